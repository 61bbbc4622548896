/**
 * The framework's logic, free of any HTTP server: settings, registered hooks, the
 * authentication chain, group and object permission checks, tokens and passwords.
 */
import { parseSettings, type RawConfig, type Scheme, type Settings } from './config'
import { ErrorResponse } from './errors'
import { PasswordManager } from './passwords'
import { TokenManager, type TokenIdentity } from './tokens'
import { Cache } from './cache'
import { Throttle } from './throttle'
import type { Permission } from './authz'
import type { CastFunction, SpecialFunction } from './params'
import {
	basicScheme,
	fakeScheme,
	httpdScheme,
	paramScheme,
	tokenScheme,
	type AuthnInput,
	type Found,
	type SchemeResult
} from './authn/schemes'

export type { AuthnInput } from './authn/schemes'

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

/**
 * A value that changes whenever a user's password, groups or permissions change (a counter,
 * a timestamp): cached facts about the user are used only while it stays the same.
 */
export type UserVersion = (login: string) => MaybePromise<string | number | null | undefined>
/** Whether a password is strong enough; may throw to say why not. */
export type PasswordQuality = (password: string) => MaybePromise<boolean>
/** An alternate password check (LDAP, recovery codes), tried when the stored hash does not match. */
export type PasswordCheck = (login: string, password: string) => MaybePromise<boolean>
/**
 * A custom authentication scheme: the login, or null when the request carries no
 * credentials of its kind; throw `ErrorResponse` (401) for bad ones.
 */
export type AuthenticationScheme = (input: AuthnInput) => MaybePromise<string | null | undefined>
/** Runs before routing; a Response returned ends the request (FSA_BEFORE_REQUEST). */
export type BeforeRequest = (request: Request) => MaybePromise<Response | undefined | void>
/** Runs on every response, which it may replace (FSA_AFTER_REQUEST). */
export type AfterRequest = (response: Response, request: Request) => MaybePromise<Response | undefined | void>
/** Runs after authentication, authorization and parameters, before the handler (`before_exec`). */
export type BeforeExec = (
	request: Request,
	login: string | null,
	schemes: readonly Scheme[]
) => MaybePromise<Response | undefined | void>
/** Checks a route at start; a message refuses it (FSA_PATH_CHECK). */
export type PathCheck = (method: string, path: string) => string | undefined | null
/** What happened to one request, for the request log; never a password, token or secret. */
export interface RequestRecord {
	/** ISO time of the end of the request. */
	ts: string
	reqid: string
	method: string
	path: string
	status: number
	/** Milliseconds from the request's arrival to its response. */
	ms: number
	user: string | null
	scheme: string | null
	/** Why the request failed (4xx, 5xx): the error message sent to the client. */
	error?: string
	/** Who tried, for failed authentications: the login, or the token masked to its last 4 characters. */
	attempt?: string
}
/** Receives one record per request (the request log). */
export type RequestLog = (record: RequestRecord) => void
/** A header value computed for each response; undefined or empty adds nothing. */
export type HeaderValue = string | ((response: Response, request: Request) => string | undefined | null)

export interface Authenticated extends Found {
	scheme: Scheme
}

export interface SimpleAuthOptions {
	/** The application name, default realm. @default "app" */
	name?: string
	/** FlaskSimpleAuth directives (FSA_*), as read from a TOML file. */
	config: RawConfig
	/**
	 * Custom authentication schemes by name (FlaskSimpleAuth's FSA_AUTHENTICATION); enable
	 * them in FSA_AUTH like the built-in ones.
	 * @example { code: ({ headers }) => codes.get(headers.get('code') ?? '') ?? null }
	 */
	authentication?: Record<string, AuthenticationScheme>
}

/**
 * FlaskSimpleAuth's `checkPath`: lower-case path segments joined by dashes, parameters in
 * snake case, and no HTTP method names in the path.
 */
export function checkPath(method: string, path: string): string | undefined {
	if (!/^((\/[a-z][a-z0-9]*(-[a-z0-9]+)*|\/:[a-z][_a-z0-9]*)+|\/)$/.test(path))
		return `invalid path: ${path}`
	for (const word of ['get', 'post', 'put', 'patch', 'delete'])
		if (path.split(/[/-]/).includes(word)) return `method name "${word}" in path: ${method} ${path}`
	return undefined
}

export class SimpleAuth {
	readonly settings: Settings
	readonly tokens: TokenManager
	readonly passwords: PasswordManager
	/** Password lookups, group checks, object permissions and token validations (FSA_CACHE). */
	readonly cache: Cache
	/** Counts failed password checks per login and address (FSA_THROTTLE). */
	readonly throttle: Throttle
	/** Keys the verified-credentials entries: they hold a keyed hash, never a password. */
	readonly #credentialKey = crypto.getRandomValues(new Uint8Array(32))
	#getUserPass: GetUserPass | undefined
	#userInGroup: UserInGroup | undefined
	#passwordQuality: PasswordQuality | undefined
	#passwordCheck: PasswordCheck | undefined
	#userVersion: UserVersion | undefined
	readonly #custom: Record<string, AuthenticationScheme>
	/** Hooks and registries the plugin reads; fill them before building routes. */
	readonly hooks = {
		beforeRequest: [] as BeforeRequest[],
		afterRequest: [] as AfterRequest[],
		beforeExec: [] as BeforeExec[],
		headers: {} as Record<string, HeaderValue>,
		pathCheck: undefined as PathCheck | undefined,
		requestLog: [] as RequestLog[]
	}
	readonly registry = {
		casts: new Map<string, CastFunction>(),
		specials: new Map<string, SpecialFunction>()
	}
	readonly #groups = new Map<string, GroupCheck>()
	readonly #domains = new Map<string, ObjectPermission>()

	constructor(options: SimpleAuthOptions) {
		this.#custom = { ...options.authentication }
		this.settings = parseSettings(options.config, options.name, Object.keys(this.#custom))
		this.tokens = new TokenManager(this.settings.token)
		this.passwords = new PasswordManager(this.settings.password)
		this.cache = new Cache(this.settings.cache)
		this.throttle = new Throttle(this.settings.throttle, this.cache.backend, this.settings.cache.prefix)
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

	/** Add a hook run before routing; a Response it returns ends the request. */
	beforeRequest(hook: BeforeRequest): this {
		this.hooks.beforeRequest.push(hook)
		return this
	}

	/** Add a hook run on every response, which it may replace. */
	afterRequest(hook: AfterRequest): this {
		this.hooks.afterRequest.push(hook)
		return this
	}

	/** Add a hook run just before the handler; a Response it returns is the answer. */
	beforeExec(hook: BeforeExec): this {
		this.hooks.beforeExec.push(hook)
		return this
	}

	/** Add response headers, fixed or computed per response (FSA_ADD_HEADERS from code). */
	addHeaders(headers: Record<string, HeaderValue>): this {
		Object.assign(this.hooks.headers, headers)
		return this
	}

	/** Add a receiver of one record per request: method, path, status, user, scheme, delay, error. */
	requestLog(hook: RequestLog): this {
		this.hooks.requestLog.push(hook)
		return this
	}

	/** Register a check of every route's method and path, run at start (`path_check`). */
	pathCheck(hook: PathCheck): this {
		this.hooks.pathCheck = hook
		return this
	}

	/** Register a conversion for `Cast(name)` parameters (FlaskSimpleAuth's `cast`). */
	cast(name: string, fn: CastFunction): this {
		this.registry.casts.set(name, fn)
		return this
	}

	/** Register a kind of `Special(kind)` parameter (FlaskSimpleAuth's `special_parameter`). */
	specialParameter(kind: string, fn: SpecialFunction): this {
		this.registry.specials.set(kind, fn)
		return this
	}

	/**
	 * Register the user version hook: with it, a password, group or permission change made by
	 * another process (a CLI, another instance) is seen on the next request despite the caches.
	 */
	userVersion(hook: UserVersion): this {
		this.#userVersion = hook
		return this
	}

	/** Register a password strength hook, checked by `hashPassword` (`password_quality`). */
	passwordQuality(hook: PasswordQuality): this {
		this.#passwordQuality = hook
		return this
	}

	/** Register an alternate password check (`password_check`). */
	passwordCheck(hook: PasswordCheck): this {
		this.#passwordCheck = hook
		return this
	}

	/**
	 * Whether a route may name this group or scope: it must be declared when FSA_AUTHZ_GROUPS
	 * (or FSA_AUTHZ_SCOPES) declares any, and something must be able to check it.
	 */
	hasGroup(name: string): boolean {
		const { authzGroups, authzScopes, auth } = this.settings
		const checkable = this.#groups.has(name) || this.#userInGroup !== undefined
		const asGroup = checkable && (authzGroups.length === 0 || authzGroups.includes(name))
		const asScope = auth.includes('oauth') && (authzScopes.length === 0 || authzScopes.includes(name))
		return asGroup || asScope
	}

	/** Whether something can check membership of a group (its own checker or the catch-all). */
	hasCheckableGroup(name: string): boolean {
		return this.#groups.has(name) || this.#userInGroup !== undefined
	}

	hasDomain(domain: string): boolean {
		return this.#domains.has(domain)
	}

	/** Hash a password after checking FSA_PASSWORD_LENGTH and FSA_PASSWORD_RE (400 when weak). */
	async hashPassword(password: string): Promise<string> {
		this.passwords.checkStrength(password)
		if (this.#passwordQuality) {
			let good: boolean
			try {
				good = await this.#passwordQuality(password)
			} catch (error) {
				throw new ErrorResponse(`password quality too low: ${(error as Error).message}`, 400)
			}
			if (!good) throw new ErrorResponse('password quality too low', 400)
		}
		return this.passwords.hash(password, false)
	}

	/** Create a token for a user (FlaskSimpleAuth's `create_token`). */
	createToken(
		user: string,
		options: { realm?: string; delayMinutes?: number; scopes?: string[] } = {}
	): Promise<string> {
		return this.tokens.create(
			user,
			options.realm ?? this.settings.realm,
			options.delayMinutes,
			options.scopes
		)
	}

	/** The stored hash of a login; found hashes are cached, unknown users are not (they may be created). */
	async #storedHash(login: string, version: unknown): Promise<unknown> {
		const key = this.cache.key('u', login, version)
		const cached = await this.cache.get(key)
		if (cached !== undefined) return cached
		let stored: unknown
		try {
			stored = await this.#getUserPass!(login)
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
		if (!this.#userVersion) return null
		try {
			return (await this.#userVersion(login)) ?? null
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error('user_version failed:', error)
			throw new ErrorResponse('internal error in user_version', this.settings.serverError)
		}
	}

	#credentialsKey(login: string, version: unknown, password: string, stored: string): string {
		const digest = new Bun.CryptoHasher('sha256', this.#credentialKey)
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
		await this.throttle.guard(login, address, () => this.#verifyUserPassword(login, password))
	}

	async #verifyUserPassword(login: string, password: string): Promise<void> {
		if (!this.#getUserPass)
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
		if (!this.#passwordCheck) return false
		try {
			return (await this.#passwordCheck(login, password)) === true
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error('password_check failed:', error)
			return false
		}
	}

	/** Verify a token, through the cache; a cached token's expiry is checked again. */
	async verifyToken(token: string, realm: string): Promise<TokenIdentity> {
		const key = this.cache.key('t', token, realm)
		const cached = (await this.cache.get(key)) as TokenIdentity | undefined
		if (cached !== undefined) {
			if (Date.now() / 1000 - this.settings.token.graceMinutes * 60 > cached.expires) {
				await this.cache.delete(key)
				throw new ErrorResponse('expired auth token', 401)
			}
			await this.#checkNotRevoked(token, cached)
			return cached
		}
		const identity = await this.tokens.verify(token, realm)
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
		return this.cache.delete(this.cache.key('t', token, realm))
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

	#revokedTokenKey(token: string): string {
		return this.cache.key('r', new Bun.CryptoHasher('sha256').update(token).digest('base64url'))
	}

	/**
	 * Refuse a token from now until it expires (a logout). Tokens are otherwise stateless: this
	 * list lives in the cache's backend, shared by every instance when it is Redis.
	 */
	async revokeToken(token: string, realm = this.settings.realm): Promise<void> {
		const identity = await this.tokens.verify(token, realm)
		const seconds = identity.expires - Date.now() / 1000 + this.settings.token.graceMinutes * 60
		if (seconds > 0) await this.cache.backend.set(this.#revokedTokenKey(token), true, seconds)
	}

	/** Refuse every token of a user issued until now (a deleted or compromised account). */
	async revokeUser(login: string): Promise<void> {
		const { delayMinutes, graceMinutes } = this.settings.token
		const now = Date.now() / 1000
		await this.cache.backend.set(this.cache.key('R', login), now, (delayMinutes + graceMinutes) * 60 + 1)
	}

	/** Throw 401 when a verified token was revoked, or its user no longer exists. */
	async #checkNotRevoked(token: string, identity: TokenIdentity): Promise<void> {
		const [revoked, revokedBefore, version] = await Promise.all([
			this.cache.backend.get(this.#revokedTokenKey(token)),
			this.cache.backend.get(this.cache.key('R', identity.user)),
			this.#userVersion ? this.#versionOf(identity.user) : 'no version hook'
		])
		if (revoked === true) throw new ErrorResponse('revoked auth token', 401)
		// a token issued before the user's revocation expires before revocation time + delay
		if (
			typeof revokedBefore === 'number' &&
			identity.expires <= revokedBefore + this.settings.token.delayMinutes * 60
		)
			throw new ErrorResponse('revoked auth token', 401)
		if (version === null) throw new ErrorResponse('no such user for auth token', 401)
	}

	async #customScheme(name: string, input: AuthnInput): Promise<SchemeResult> {
		let user: string | null | undefined
		try {
			user = await this.#custom[name](input)
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error(`authentication scheme ${name} failed:`, error)
			throw new ErrorResponse(
				`internal error in authentication scheme ${name}`,
				this.settings.serverError
			)
		}
		if (user === null || user === undefined) return null
		if (typeof user !== 'string' || user === '')
			throw new ErrorResponse(
				`internal error with authentication scheme ${name}`,
				this.settings.serverError
			)
		return { user }
	}

	#runScheme(scheme: Scheme, input: AuthnInput, realm: string): Promise<SchemeResult> {
		switch (scheme) {
			case 'basic':
				return basicScheme(this, input)
			case 'param':
				return paramScheme(this, input)
			case 'token':
			case 'oauth':
				return tokenScheme(this, input, realm)
			case 'fake':
				return fakeScheme(this, input)
			case 'httpd':
				return httpdScheme(this, input)
			case 'none':
				return Promise.resolve(null)
			default:
				return this.#customScheme(scheme, input)
		}
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
			let found: SchemeResult
			try {
				found = await this.#runScheme(scheme, input, realm)
			} catch (error) {
				if (!(error instanceof ErrorResponse) || error.status !== 401) throw error
				failure ??= error
				continue
			}
			if (found !== null) return { ...found, scheme }
		}
		throw failure ?? new ErrorResponse('missing authentication', 401)
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
			const own = this.#groups.get(group) ?? this.#userInGroup
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
		await this.cache.set(key, allowed)
		if (!allowed)
			throw new ErrorResponse(
				`permission denied on ${permission.domain} (${permission.mode ?? 'none'})`,
				403
			)
	}
}
