/**
 * The checks behind authentication and authorization, with their caches: password
 * verification (throttled), token validation and revocation, group and object permission
 * checks, and FlaskSimpleAuth's uncache API. `SimpleAuth` adds the registration API.
 */
import type { Settings } from './config/settings'
import { ErrorResponse } from './errors'
import { PasswordManager } from './authn/passwords'
import { TokenManager, type TokenIdentity, type TokenVersion } from './tokens/tokens'
import { Cache, MemoryBackend } from './cache/cache'
import { Throttle } from './authn/throttle'
import type { Permission } from './authz/rules'
import type {
	GetUserPass,
	GroupCheck,
	ObjectPermission,
	PasswordCheck,
	UserInGroup,
	UserVersion
} from './types'

export abstract class AuthChecks {
	readonly tokens: TokenManager
	readonly passwords: PasswordManager
	/** Password lookups, group checks, object permissions and token validations (FSA_CACHE). */
	readonly cache: Cache
	/** Counts failed password checks per login and address (FSA_THROTTLE). */
	readonly throttle: Throttle
	/** Keys the verified-credentials entries: they hold a keyed hash, never a password. */
	readonly #credentialHmac = new Bun.CryptoHasher('sha256', crypto.getRandomValues(new Uint8Array(32)))
	protected userPassHook: GetUserPass | undefined
	protected userInGroupHook: UserInGroup | undefined
	protected passwordCheckHook: PasswordCheck | undefined
	protected userVersionHook: UserVersion | undefined
	protected readonly groupChecks = new Map<string, GroupCheck>()
	protected readonly domainChecks = new Map<string, ObjectPermission>()

	constructor(readonly settings: Settings) {
		this.tokens = new TokenManager(settings.token)
		this.passwords = new PasswordManager(settings.password)
		this.cache = new Cache(settings.cache)
		this.throttle = new Throttle(settings.throttle, this.cache.backend, settings.cache.prefix)
	}

	/** The stored hash of a login; found hashes are cached, unknown users are not (they may be created). */
	async #storedHash(login: string, version: unknown): Promise<unknown> {
		const key = this.cache.key('u', login, version)
		const cached = await this.cache.get(key)
		if (cached !== undefined) return cached
		let stored: unknown
		try {
			stored = await this.userPassHook!(login)
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error('get_user_pass failed:', error)
			throw new ErrorResponse('internal error in get_user_pass', this.settings.serverError)
		}
		if (typeof stored === 'string' && stored !== '') await this.cache.set(key, stored)
		return stored
	}

	/**
	 * The user's version (`userVersion` hook): part of the key of every cached fact about the
	 * user, so that a change made elsewhere is seen at once.
	 */
	async #versionOf(login: string): Promise<unknown> {
		if (!this.userVersionHook) return null
		try {
			return (await this.userVersionHook(login)) ?? null
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error('user_version failed:', error)
			throw new ErrorResponse('internal error in user_version', this.settings.serverError)
		}
	}

	#credentialsKey(login: string, version: unknown, password: string, stored: string): string {
		// a copy of the keyed HMAC: the key is set up once
		const digest = this.#credentialHmac
			.copy()
			.update(`${login}\0${password}\0${stored}`)
			.digest('base64url')
		return this.cache.key('v', login, version, digest)
	}

	/**
	 * Check a login and password against the stored hash; throws 401 when they do not match,
	 * 429 when this login or address failed too often (checked before any hashing).
	 * @param address the client's address, for throttling
	 */
	async checkUserPassword(login: string, password: string, address = 'unknown'): Promise<void> {
		if (await this.#knownCredentials(login, password, address)) return
		await this.throttle.guard(login, address, () => this.#verifyUserPassword(login, password))
	}

	/** Whether the user version hook answered at once last time (then it is asked at once). */
	#versionsNow = true

	/**
	 * `checkUserPassword` without waiting, when memory holds these very credentials as verified
	 * (see #knownCredentials) and the user version hook answers at once: true, or undefined for
	 * the long way. Never throws.
	 */
	credentialsNow(login: string, password: string, address = 'unknown'): true | undefined {
		const backend = this.#credentialsMemory(login, address)
		if (backend === undefined) return undefined
		let version: unknown = null
		if (this.userVersionHook) {
			if (!this.#versionsNow) return undefined
			let answer: unknown
			try {
				answer = this.userVersionHook(login)
			} catch {
				return undefined
			}
			if (answer instanceof Promise) {
				// an engine that waits: the long way from now on (this answer is not needed)
				this.#versionsNow = false
				answer.catch(() => undefined)
				return undefined
			}
			version = answer ?? null
		}
		return this.#verifiedInMemory(backend, login, version, password) ? true : undefined
	}

	/**
	 * Whether memory holds these very credentials as verified (for the user's current version
	 * and stored hash) and nothing throttles their login: then neither hashing nor waiting
	 * behind the other checks of the login, which only guessing needs. Else the guarded way.
	 */
	async #knownCredentials(login: string, password: string, address: string): Promise<boolean> {
		const backend = this.#credentialsMemory(login, address)
		if (backend === undefined) return false
		return this.#verifiedInMemory(backend, login, await this.#versionOf(login), password)
	}

	/** The memory that may know a login's credentials, when nothing throttles the login. */
	#credentialsMemory(login: string, address: string): MemoryBackend | undefined {
		const { backend } = this.cache
		if (!this.userPassHook || !this.settings.passwordCache || !(backend instanceof MemoryBackend))
			return undefined
		if (!this.cache.enabled || this.throttle.clearNow(login, address) !== true) return undefined
		return backend
	}

	/** Whether memory holds the credentials as verified against the user's stored hash. */
	#verifiedInMemory(backend: MemoryBackend, login: string, version: unknown, password: string): boolean {
		const stored = backend.peek(this.cache.key('u', login, version))
		if (typeof stored !== 'string' || stored === '') return false
		return backend.peek(this.#credentialsKey(login, version, password, stored)) === true
	}

	async #verifyUserPassword(login: string, password: string): Promise<void> {
		if (!this.userPassHook)
			throw new ErrorResponse(
				'no get_user_pass hook for password authentication',
				this.settings.serverError
			)
		const version = await this.#versionOf(login)
		const stored = await this.#storedHash(login, version)
		if (stored === null || stored === undefined || stored === '') {
			if (await this.#alternateCheck(login, password)) return
			await this.passwords.verifyNothing(password)
			throw new ErrorResponse('invalid user or password', 401)
		}
		if (typeof stored !== 'string')
			throw new ErrorResponse('internal error with get_user_pass', this.settings.serverError)
		const remember = this.settings.passwordCache && this.cache.enabled
		const key = remember ? this.#credentialsKey(login, version, password, stored) : ''
		if (remember && (await this.cache.get(key)) === true) return
		if (!(await this.passwords.verify(password, stored))) {
			if (await this.#alternateCheck(login, password)) return
			throw new ErrorResponse('invalid user or password', 401)
		}
		if (remember) await this.cache.set(key, true)
	}

	/** The alternate password check; its failures count as a mismatch, its ErrorResponses pass. */
	async #alternateCheck(login: string, password: string): Promise<boolean> {
		if (!this.passwordCheckHook) return false
		try {
			return (await this.passwordCheckHook(login, password)) === true
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error('password_check failed:', error)
			return false
		}
	}

	/**
	 * A token's identity when memory already holds all of it (verified and unexpired, not
	 * revoked, its user seen within a second), without waiting; undefined when `verifyToken`
	 * must run. Never throws: what it cannot accept at once, `verifyToken` decides.
	 */
	verifyTokenNow(token: string, realm: string): TokenIdentity | undefined {
		const { backend } = this.cache
		if (!(backend instanceof MemoryBackend) || !this.cache.enabled) return undefined
		const keys = this.#keysOf(token)
		const cached = backend.peek(this.#tokenKey(token, realm, keys)) as TokenIdentity | undefined
		if (cached === undefined) return undefined
		if (this.#pastGrace(cached)) return undefined
		if (
			this.#revoked(backend.peek(keys.revoked), backend.peek(this.#userRevokedKey(cached.user)), cached)
		)
			return undefined
		if (this.userVersionHook) {
			const version = this.#tokenUserVersionNow(cached.user)
			if (version === undefined || version === null) return undefined
			if (cached.version !== undefined && cached.version !== version) return undefined
		}
		return cached
	}

	/** Whether a token expired longer ago than FSA_TOKEN_GRACE allows. */
	#pastGrace(identity: TokenIdentity): boolean {
		return Date.now() / 1000 - this.settings.token.graceMinutes * 60 > identity.expires
	}

	/** Verify a token, through the cache; a cached token's expiry is checked again. */
	async verifyToken(token: string, realm: string): Promise<TokenIdentity> {
		const key = this.#tokenKey(token, realm)
		const found = this.cache.enabled ? this.cache.lookup(key) : undefined
		const cached = (found instanceof Promise ? await found : found) as TokenIdentity | undefined
		if (cached !== undefined) {
			if (this.#pastGrace(cached)) {
				await this.cache.delete(key)
				throw new ErrorResponse('expired auth token', 401)
			}
			await this.#checkNotRevoked(token, cached)
			return cached
		}
		const identity = await this.tokens.verify(token, realm, this.#boundTokens)
		await this.#checkNotRevoked(token, identity)
		await this.cache.set(key, identity)
		return identity
	}

	/** Forget every cached entry (FlaskSimpleAuth's `clear_caches`). */
	clearCaches(): Promise<void> {
		return this.cache.clear()
	}

	/** Forget a user's cached password hash and verified credentials. */
	async passwordUncache(user: string): Promise<boolean> {
		return (
			(await this.cache.deleteUserEntries('u', user)) +
				(await this.cache.deleteUserEntries('v', user)) >
			0
		)
	}

	/** Forget a cached token validation. */
	tokenUncache(token: string, realm = this.settings.realm): Promise<boolean> {
		return this.cache.delete(this.#tokenKey(token, realm))
	}

	/** Forget a cached group check. */
	async groupUncache(user: string, group: string): Promise<boolean> {
		return (await this.cache.deleteUserEntries('c', user, [group])) > 0
	}

	/** Forget a cached object permission. */
	async objectPermsUncache(
		domain: string,
		user: string,
		values: unknown[],
		mode: string | null = null
	): Promise<boolean> {
		return (await this.cache.deleteUserEntries('p', user, [domain, values, mode])) > 0
	}

	/** Forget everything cached about a user: password, credentials, groups, permissions. Returns how many entries. */
	async authUncache(user: string): Promise<number> {
		let count = 0
		for (const kind of ['u', 'v', 'c', 'p']) count += await this.cache.deleteUserEntries(kind, user)
		return count
	}

	/** The cache keys of the tokens and users in use, made once (a busy token is the same string). */
	readonly #tokenKeys = new Map<string, { revoked: string; byRealm: Map<string, string> }>()
	readonly #userKeys = new Map<string, string>()

	#keysOf(token: string): { revoked: string; byRealm: Map<string, string> } {
		let keys = this.#tokenKeys.get(token)
		if (keys === undefined) {
			if (this.#tokenKeys.size >= 10_000) this.#tokenKeys.clear()
			// a revoked token is kept by a fast hash: a collision could only refuse a token
			keys = { revoked: this.cache.key('r', Bun.hash(token).toString(36)), byRealm: new Map() }
			this.#tokenKeys.set(token, keys)
		}
		return keys
	}

	/** The key of a token's verified identity. */
	#tokenKey(token: string, realm: string, keys = this.#keysOf(token)): string {
		const { byRealm } = keys
		let key = byRealm.get(realm)
		if (key === undefined) byRealm.set(realm, (key = this.cache.key('t', token, realm)))
		return key
	}

	#revokedTokenKey(token: string): string {
		return this.#keysOf(token).revoked
	}

	/** The key of a user's revocation time. */
	#userRevokedKey(login: string): string {
		let key = this.#userKeys.get(login)
		if (key === undefined) {
			if (this.#userKeys.size >= 10_000) this.#userKeys.clear()
			this.#userKeys.set(login, (key = this.cache.key('R', login)))
		}
		return key
	}

	/**
	 * Refuse a token from now until it expires (a logout). Tokens are otherwise stateless: this
	 * list lives in the cache's backend, shared by every instance when it is Redis.
	 */
	async revokeToken(token: string, realm = this.settings.realm): Promise<void> {
		const identity = await this.tokens.verify(token, realm, this.#boundTokens)
		const seconds = identity.expires - Date.now() / 1000 + this.settings.token.graceMinutes * 60
		if (seconds > 0) await this.cache.backend.set(this.#revokedTokenKey(token), true, seconds)
	}

	/** Refuse every token of a user issued until now (a deleted or compromised account). */
	async revokeUser(login: string): Promise<void> {
		const { delayMinutes, graceMinutes } = this.settings.token
		const now = Date.now() / 1000
		await this.cache.backend.set(this.#userRevokedKey(login), now, (delayMinutes + graceMinutes) * 60 + 1)
	}

	/**
	 * With a user version hook, the tokens this service makes are bound to the user's version:
	 * a password change, a deletion or a re-created login leaves none of them valid. Not for a
	 * service that only verifies tokens made elsewhere (oauth).
	 */
	get #boundTokens(): TokenVersion | undefined {
		return this.userVersionHook && this.tokens.canCreate ? this.#tokenUserVersion : undefined
	}

	/** The version a new token of this user is bound to, or undefined when tokens are not bound. */
	async tokenVersionOf(login: string): Promise<string | undefined> {
		if (!this.#boundTokens) return undefined
		const version = await this.#versionOf(login)
		if (version === null) throw new ErrorResponse(`no such user: ${login}`, 404)
		return String(version)
	}

	/**
	 * A token user's version without waiting, null for no such user, undefined when the hook
	 * must be waited for. Asked on every request, so that a change shows at once: SQLite answers
	 * from memory while nothing changed.
	 */
	#tokenUserVersionNow(login: string): string | null | undefined {
		if (!this.#versionsNow) return undefined
		let answer: unknown
		try {
			answer = this.userVersionHook!(login)
		} catch {
			return undefined
		}
		if (answer instanceof Promise) {
			// an engine that waits: the long way from now on (this answer is not needed)
			this.#versionsNow = false
			answer.catch(() => undefined)
			return undefined
		}
		return answer === null || answer === undefined ? null : String(answer)
	}

	readonly #tokenUserVersion = async (login: string): Promise<string | null> => {
		const now = this.#tokenUserVersionNow(login)
		if (now !== undefined) return now
		const version = await this.#versionOf(login)
		return version === null ? null : String(version)
	}

	/** Whether a token is revoked, from its own entry and its user's (issued before that, it is). */
	#revoked(revoked: unknown, revokedBefore: unknown, identity: TokenIdentity): boolean {
		// a token issued before the user's revocation expires before revocation time + delay
		return (
			revoked === true ||
			(typeof revokedBefore === 'number' &&
				identity.expires <= revokedBefore + this.settings.token.delayMinutes * 60)
		)
	}

	/** Throw 401 when a verified token was revoked, or its user no longer exists. */
	async #checkNotRevoked(token: string, identity: TokenIdentity): Promise<void> {
		let revoked = this.cache.lookup(this.#revokedTokenKey(token))
		let revokedBefore = this.cache.lookup(this.#userRevokedKey(identity.user))
		// Redis answers asynchronously: ask it both at once; memory answered already
		if (revoked instanceof Promise || revokedBefore instanceof Promise)
			[revoked, revokedBefore] = await Promise.all([revoked, revokedBefore])
		if (this.#revoked(revoked, revokedBefore, identity))
			throw new ErrorResponse('revoked auth token', 401)
		if (!this.userVersionHook) return
		const version = await this.#tokenUserVersion(identity.user)
		if (version === null) throw new ErrorResponse('no such user for auth token', 401)
		// a token made for an earlier version of its user: a password change, a re-created login
		if (identity.version !== undefined && identity.version !== version)
			throw new ErrorResponse('revoked auth token', 401)
	}

	/** oauth: every scope the route names must be in the token; 403 for the first missing. */
	checkScopes(scopes: readonly string[], granted: readonly string[]): void {
		for (const scope of scopes)
			if (!granted.includes(scope)) throw new ErrorResponse(`missing permission "${scope}"`, 403)
	}

	/** Check every group of a route; 403 for the first the user is not in. */
	async checkGroups(user: string, groups: readonly string[]): Promise<void> {
		if (groups.length === 0) return
		const version = await this.#versionOf(user)
		for (const group of groups) {
			const key = this.cache.key('c', user, version, group)
			const cached = await this.cache.get(key)
			if (cached === true) continue
			if (cached === false) throw new ErrorResponse(`not in group "${group}"`, 403)
			const own = this.groupChecks.get(group) ?? this.userInGroupHook
			// an oauth scope reached by another scheme: nothing can grant it
			if (!own) throw new ErrorResponse(`not in group "${group}"`, 403)
			let allowed: unknown
			try {
				allowed = await own(user, group)
			} catch (error) {
				if (error instanceof ErrorResponse) throw error
				console.error(`group check for ${group} failed:`, error)
				throw new ErrorResponse(
					`internal error while checking group ${group}`,
					this.settings.serverError
				)
			}
			if (typeof allowed !== 'boolean')
				throw new ErrorResponse(
					`internal error in group check for ${group}`,
					this.settings.serverError
				)
			await this.cache.set(key, allowed)
			if (!allowed) throw new ErrorResponse(`not in group "${group}"`, 403)
		}
	}

	/** Check object permissions: null means no such object (FSA_NOT_FOUND_ERROR), false 403. */
	async checkPermission(user: string, permission: Permission, values: unknown[]): Promise<void> {
		const key = this.cache.key(
			'p',
			user,
			await this.#versionOf(user),
			permission.domain,
			values,
			permission.mode
		)
		const cached = await this.cache.get(key)
		if (cached === true) return
		if (cached === false)
			throw new ErrorResponse(
				`permission denied on ${permission.domain} (${permission.mode ?? 'none'})`,
				403
			)
		const checker = this.domainChecks.get(permission.domain)!
		let allowed: unknown
		try {
			allowed = await checker(user, ...values, permission.mode)
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error(`permission check on ${permission.domain} failed:`, error)
			throw new ErrorResponse('internal error in permission check', this.settings.serverError)
		}
		if (allowed === null || allowed === undefined)
			throw new ErrorResponse('object not found', this.settings.notFoundError)
		if (typeof allowed !== 'boolean')
			throw new ErrorResponse('internal error with permission check', this.settings.serverError)
		// a missing object is not cached: it may be created at any time
		await this.cache.set(key, allowed)
		if (!allowed)
			throw new ErrorResponse(
				`permission denied on ${permission.domain} (${permission.mode ?? 'none'})`,
				403
			)
	}
}
