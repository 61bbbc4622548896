/**
 * The framework's logic, free of any HTTP server: settings, registered hooks, the
 * authentication chain, group and object permission checks, tokens and passwords.
 */
import { parseSettings, type RawConfig, type Scheme, type Settings } from './config'
import { ErrorResponse } from './errors'
import { PasswordManager } from './passwords'
import { TokenManager, type TokenIdentity } from './tokens'
import { Cache } from './cache'
import { parseBasicAuthorization } from './authn/basic'
import { extractToken } from './authn/token'
import type { Permission } from './authz'
import type { RequestParams } from './request'

type MaybePromise<T> = T | Promise<T>

/** Returns the stored password hash of a login, or null when there is no such user. */
export type GetUserPass = (login: string) => MaybePromise<string | null | undefined>
/** Whether a user belongs to a group. */
export type GroupCheck = (login: string) => MaybePromise<boolean>
/** Whether a user belongs to a group, for any group. */
export type UserInGroup = (login: string, group: string) => MaybePromise<boolean>
/** true: allowed; false: 403; null or undefined: the object does not exist (404). */
export type ObjectPermission = (
	login: string,
	...valuesThenMode: any[]
) => MaybePromise<boolean | null | undefined>

/** What the authentication chain needs from a request. */
export interface AuthnInput {
	headers: Headers
	/** The merged request parameters; throws a 400 ErrorResponse when the body is malformed. */
	params: () => RequestParams
}

export interface Authenticated {
	user: string
	scheme: Scheme
}

/** A scheme found no credentials of its kind: the chain goes on. */
const MISSING = null

export interface SimpleAuthOptions {
	/** The application name, default realm. @default "app" */
	name?: string
	/** FlaskSimpleAuth directives (FSA_*), as read from a TOML file. */
	config: RawConfig
}

export class SimpleAuth {
	readonly settings: Settings
	readonly tokens: TokenManager
	readonly passwords: PasswordManager
	/** Password lookups, group checks, object permissions and token validations (FSA_CACHE). */
	readonly cache: Cache
	/** Keys the verified-credentials entries: they hold a keyed hash, never a password. */
	readonly #credentialKey = crypto.getRandomValues(new Uint8Array(32))
	#getUserPass: GetUserPass | undefined
	#userInGroup: UserInGroup | undefined
	readonly #groups = new Map<string, GroupCheck>()
	readonly #domains = new Map<string, ObjectPermission>()

	constructor(options: SimpleAuthOptions) {
		this.settings = parseSettings(options.config, options.name)
		this.tokens = new TokenManager(this.settings.token)
		this.passwords = new PasswordManager(this.settings.password)
		this.cache = new Cache(this.settings.cache)
	}

	/** Register the hook that returns a user's password hash (FlaskSimpleAuth's `get_user_pass`). */
	getUserPass(hook: GetUserPass): this {
		this.#getUserPass = hook
		return this
	}

	/** Register the checker of one group (FlaskSimpleAuth's `group_check`). */
	groupCheck(group: string, hook: GroupCheck): this {
		this.#groups.set(group, hook)
		return this
	}

	/** Register a checker for every group without one of its own (`user_in_group`). */
	userInGroup(hook: UserInGroup): this {
		this.#userInGroup = hook
		return this
	}

	/** Register the object permission checker of a domain (`object_perms`). */
	objectPerms(domain: string, hook: ObjectPermission): this {
		this.#domains.set(domain, hook)
		return this
	}

	hasGroup(group: string): boolean {
		return this.#groups.has(group) || this.#userInGroup !== undefined
	}

	hasDomain(domain: string): boolean {
		return this.#domains.has(domain)
	}

	/** Hash a password after checking FSA_PASSWORD_LENGTH and FSA_PASSWORD_RE (400 when weak). */
	hashPassword(password: string): Promise<string> {
		return this.passwords.hash(password)
	}

	/** Create a token for a user (FlaskSimpleAuth's `create_token`). */
	createToken(user: string, options: { realm?: string; delayMinutes?: number } = {}): Promise<string> {
		return this.tokens.create(user, options.realm ?? this.settings.realm, options.delayMinutes)
	}

	/** The stored hash of a login; found hashes are cached, unknown users are not (they may be created). */
	async #storedHash(login: string): Promise<unknown> {
		const key = this.cache.key('u', login)
		const cached = this.cache.get(key)
		if (cached !== undefined) return cached
		let stored: unknown
		try {
			stored = await this.#getUserPass!(login)
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error('get_user_pass failed:', error)
			throw new ErrorResponse('internal error in get_user_pass', this.settings.serverError)
		}
		if (typeof stored === 'string' && stored !== '') this.cache.set(key, stored)
		return stored
	}

	#credentialsKey(login: string, password: string, stored: string): string {
		const digest = new Bun.CryptoHasher('sha256', this.#credentialKey)
			.update(`${login}\0${password}\0${stored}`)
			.digest('base64url')
		return this.cache.key('v', login, digest)
	}

	/** Check a login and password against the stored hash; throws 401 when they do not match. */
	async checkUserPassword(login: string, password: string): Promise<void> {
		if (!this.#getUserPass)
			throw new ErrorResponse(
				'no get_user_pass hook for password authentication',
				this.settings.serverError
			)
		const stored = await this.#storedHash(login)
		if (stored === null || stored === undefined || stored === '') {
			await this.passwords.verifyNothing(password)
			throw new ErrorResponse('invalid user or password', 401)
		}
		if (typeof stored !== 'string')
			throw new ErrorResponse('internal error with get_user_pass', this.settings.serverError)
		const remember = this.settings.passwordCache && this.cache.enabled
		const key = remember ? this.#credentialsKey(login, password, stored) : ''
		if (remember && this.cache.get(key) === true) return
		if (!(await this.passwords.verify(password, stored)))
			throw new ErrorResponse('invalid user or password', 401)
		if (remember) this.cache.set(key, true)
	}

	/** Verify a token, through the cache; a cached token's expiry is checked again. */
	async verifyToken(token: string, realm: string): Promise<TokenIdentity> {
		const key = this.cache.key('t', token, realm)
		const cached = this.cache.get(key) as TokenIdentity | undefined
		if (cached !== undefined) {
			if (Date.now() / 1000 - this.settings.token.graceMinutes * 60 > cached.expires) {
				this.cache.delete(key)
				throw new ErrorResponse('expired auth token', 401)
			}
			return cached
		}
		const identity = await this.tokens.verify(token, realm)
		this.cache.set(key, identity)
		return identity
	}

	/** Forget every cached entry (FlaskSimpleAuth's `clear_caches`). */
	clearCaches(): void {
		this.cache.clear()
	}

	/** Forget a user's cached password hash and verified credentials. */
	passwordUncache(user: string): boolean {
		const removed = this.cache.delete(this.cache.key('u', user))
		return this.cache.deleteWhere(this.cache.key('v', user).slice(0, -1) + ',') > 0 || removed
	}

	/** Forget a cached token validation. */
	tokenUncache(token: string, realm = this.settings.realm): boolean {
		return this.cache.delete(this.cache.key('t', token, realm))
	}

	/** Forget a cached group check. */
	groupUncache(user: string, group: string): boolean {
		return this.cache.delete(this.cache.key('c', user, group))
	}

	/** Forget a cached object permission. */
	objectPermsUncache(domain: string, user: string, values: unknown[], mode: string | null = null): boolean {
		return this.cache.delete(this.cache.key('p', domain, user, values, mode))
	}

	/** Forget everything cached about a user: password, credentials, groups, permissions. Returns how many entries. */
	authUncache(user: string): number {
		let count = this.cache.delete(this.cache.key('u', user)) ? 1 : 0
		for (const kind of ['v', 'c'])
			count += this.cache.deleteWhere(this.cache.key(kind, user).slice(0, -1) + ',')
		count += this.cache.deleteWhere(this.cache.key('p').slice(0, -1)) // permissions are keyed by domain first
		return count
	}

	async #basic(input: AuthnInput): Promise<string | null> {
		const header = input.headers.get('authorization')
		if (header === null || !/^basic /i.test(header)) return MISSING
		const credentials = parseBasicAuthorization(header)
		if (!credentials.ok) throw new ErrorResponse(credentials.reason, 401)
		await this.checkUserPassword(credentials.user, credentials.password)
		return credentials.user
	}

	async #param(input: AuthnInput): Promise<string | null> {
		const { paramUser, paramPass } = this.settings
		let params: RequestParams
		try {
			params = input.params()
		} catch (error) {
			if (error instanceof ErrorResponse) throw new ErrorResponse(error.message, 401)
			throw error
		}
		const login = params.getString(paramUser)
		if (login === undefined) return MISSING
		const password = params.getString(paramPass)
		if (password === undefined)
			throw new ErrorResponse(`missing param password parameter: ${paramPass}`, 401)
		if (login === '') throw new ErrorResponse('invalid user or password', 401)
		await this.checkUserPassword(login, password)
		return login
	}

	async #token(input: AuthnInput, realm: string): Promise<string | null> {
		let token: string | undefined
		try {
			token = extractToken(this.settings.token, input.headers, input.params)
		} catch (error) {
			if (error instanceof ErrorResponse) return MISSING
			throw error
		}
		if (token === undefined) return MISSING
		return (await this.verifyToken(token, realm)).user
	}

	/**
	 * Try the schemes in order; the first that finds valid credentials wins.
	 * @throws ErrorResponse 401: the reason given by the first scheme that found bad credentials,
	 * or "missing authentication" when none found any
	 */
	async authenticate(
		input: AuthnInput,
		schemes: readonly Scheme[],
		realm = this.settings.realm
	): Promise<Authenticated> {
		let failure: ErrorResponse | undefined
		for (const scheme of schemes) {
			let user: string | null
			try {
				if (scheme === 'basic') user = await this.#basic(input)
				else if (scheme === 'param') user = await this.#param(input)
				else if (scheme === 'token') user = await this.#token(input, realm)
				else continue
			} catch (error) {
				if (!(error instanceof ErrorResponse)) throw error
				if (error.status !== 401) throw error
				failure ??= error
				continue
			}
			if (user !== MISSING) return { user, scheme }
		}
		throw failure ?? new ErrorResponse('missing authentication', 401)
	}

	/** Check every group of a route; 403 for the first the user is not in. */
	async checkGroups(user: string, groups: readonly string[]): Promise<void> {
		for (const group of groups) {
			const key = this.cache.key('c', user, group)
			const cached = this.cache.get(key)
			if (cached === true) continue
			if (cached === false) throw new ErrorResponse(`not in group "${group}"`, 403)
			const own = this.#groups.get(group)
			let allowed: unknown
			try {
				allowed = own ? await own(user) : await this.#userInGroup!(user, group)
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
			this.cache.set(key, allowed)
			if (!allowed) throw new ErrorResponse(`not in group "${group}"`, 403)
		}
	}

	/** Check object permissions: null means no such object (FSA_NOT_FOUND_ERROR), false 403. */
	async checkPermission(user: string, permission: Permission, values: unknown[]): Promise<void> {
		const key = this.cache.key('p', permission.domain, user, values, permission.mode)
		const cached = this.cache.get(key)
		if (cached === true) return
		if (cached === false)
			throw new ErrorResponse(
				`permission denied on ${permission.domain} (${permission.mode ?? 'none'})`,
				403
			)
		const checker = this.#domains.get(permission.domain)!
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
		this.cache.set(key, allowed)
		if (!allowed)
			throw new ErrorResponse(
				`permission denied on ${permission.domain} (${permission.mode ?? 'none'})`,
				403
			)
	}
}
