/**
 * Token validation with its cache, revocation (a logout, a revoked user) and the binding of
 * the tokens this service makes to their user's version. A token memory knows is answered at
 * once; any other is verified, then remembered.
 */
import type { Settings } from '../config/settings'
import { ErrorResponse } from '../errors'
import { UNKNOWN, type Cache } from '../cache/cache'
import type { UserFacts } from '../users'
import type { TokenIdentity, TokenManager, TokenVersion } from './tokens'
import type { MaybePromise } from '../types'
import type { TokenOptions } from '../options'
import { remember } from '../cache/memo'

interface TokenKeys {
	revoked: string
	byRealm: Map<string, string>
}

export class TokenValidation {
	/** The cache keys of the tokens and users in use, made once (a busy token is the same string). */
	readonly #tokenKeys = new Map<string, TokenKeys>()
	readonly #userKeys = new Map<string, string>()

	constructor(
		readonly settings: Settings,
		readonly tokens: TokenManager,
		readonly users: UserFacts,
		readonly cache: Cache
	) {}

	/**
	 * Verify a token for a realm; throws a 401 that says why it is refused. Answers at once when
	 * memory holds all of it: verified and unexpired, not revoked, its user's version unchanged.
	 */
	verify(token: string, realm: string): MaybePromise<TokenIdentity> {
		return this.#known(token, realm) ?? this.#verify(token, realm)
	}

	/** A token's identity when memory holds all of it, else undefined (then it is verified). */
	#known(token: string, realm: string): TokenIdentity | undefined {
		const { cache } = this
		const keys = this.#keysOf(token)
		const cached = cache.peek(this.#tokenKey(token, realm, keys)) as
			TokenIdentity | undefined | typeof UNKNOWN
		if (cached === undefined || cached === UNKNOWN || this.#pastGrace(cached)) return undefined
		// with Redis, memory may not know yet whether the token or its user was revoked: ask
		const revoked = cache.peek(keys.revoked)
		const revokedBefore = cache.peek(this.#userRevokedKey(cached.user))
		if (revoked === UNKNOWN || revokedBefore === UNKNOWN || this.#revoked(revoked, revokedBefore, cached))
			return undefined
		if (this.users.versioned) {
			const version = this.users.versionAtOnce(cached.user)
			if (version === undefined || version === null) return undefined
			if (cached.version !== undefined && cached.version !== String(version)) return undefined
		}
		return cached
	}

	async #verify(token: string, realm: string): Promise<TokenIdentity> {
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
		const identity = await this.tokens.verify(token, realm, this.#bound)
		await this.#checkNotRevoked(token, identity)
		await this.cache.set(key, identity)
		return identity
	}

	/** Whether a token expired longer ago than FSA_TOKEN_GRACE allows. */
	#pastGrace(identity: TokenIdentity): boolean {
		return Date.now() / 1000 - this.settings.token.graceMinutes * 60 > identity.expires
	}

	/** Forget a cached token validation. */
	uncache(token: string, realm: string): Promise<boolean> {
		return this.cache.delete(this.#tokenKey(token, realm))
	}

	#keysOf(token: string): TokenKeys {
		return (
			this.#tokenKeys.get(token) ??
			// a revoked token is kept by a fast hash: a collision could only refuse a token
			remember(this.#tokenKeys, token, {
				revoked: this.cache.key('r', Bun.hash(token).toString(36)),
				byRealm: new Map()
			})
		)
	}

	/** The key of a token's verified identity. */
	#tokenKey(token: string, realm: string, keys = this.#keysOf(token)): string {
		const { byRealm } = keys
		let key = byRealm.get(realm)
		if (key === undefined) byRealm.set(realm, (key = this.cache.key('t', token, realm)))
		return key
	}

	/** The key of a user's revocation time. */
	#userRevokedKey(login: string): string {
		return this.#userKeys.get(login) ?? remember(this.#userKeys, login, this.cache.key('R', login))
	}

	/**
	 * Refuse a token from now until it expires (a logout). Tokens are otherwise stateless: this
	 * list lives in the cache's backend, shared by every instance when it is Redis.
	 */
	async revoke(token: string, realm: string): Promise<void> {
		const identity = await this.tokens.verify(token, realm, this.#bound)
		const seconds = identity.expires - Date.now() / 1000 + this.settings.token.graceMinutes * 60
		if (seconds > 0) await this.cache.backend.set(this.#keysOf(token).revoked, true, seconds)
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
	get #bound(): TokenVersion | undefined {
		return this.users.versioned && this.tokens.canCreate ? this.#versionOfTokenUser : undefined
	}

	/**
	 * A new token for a user, bound to the user's version; made from a presented token, it
	 * expires no later than that one.
	 */
	async create(user: string, options: TokenOptions): Promise<string> {
		let notAfter: number | undefined
		if (options.presented !== undefined) {
			notAfter = this.tokens.expiresOf(options.presented)
			// a token of another kind (an oauth one without a readable expiry) makes nothing longer-lived
			if (notAfter === undefined) throw new ErrorResponse('the presented token has no expiry', 401)
		}
		return this.tokens.create(
			user,
			options.realm ?? this.settings.realm,
			options.delayMinutes,
			options.scopes,
			await this.#versionFor(user),
			notAfter
		)
	}

	/** The version a new token of this user is bound to, or undefined when tokens are not bound. */
	async #versionFor(login: string): Promise<string | undefined> {
		if (!this.#bound) return undefined
		const version = await this.users.version(login)
		if (version === null) throw new ErrorResponse(`no such user: ${login}`, 404)
		return String(version)
	}

	readonly #versionOfTokenUser = async (login: string): Promise<string | null> => {
		const version = await this.users.version(login)
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
		let revoked = this.cache.lookup(this.#keysOf(token).revoked)
		let revokedBefore = this.cache.lookup(this.#userRevokedKey(identity.user))
		// Redis answers asynchronously: ask it both at once; memory answered already
		if (revoked instanceof Promise || revokedBefore instanceof Promise)
			[revoked, revokedBefore] = await Promise.all([revoked, revokedBefore])
		if (this.#revoked(revoked, revokedBefore, identity))
			throw new ErrorResponse('revoked auth token', 401)
		if (!this.users.versioned) return
		const version = await this.#versionOfTokenUser(identity.user)
		if (version === null) throw new ErrorResponse('no such user for auth token', 401)
		// a token made for an earlier version of its user: a password change, a re-created login
		if (identity.version !== undefined && identity.version !== version)
			throw new ErrorResponse('revoked auth token', 401)
	}
}
