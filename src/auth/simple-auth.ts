/**
 * SimpleAuth, free of any HTTP server: the application registers its hooks here, and the
 * authentication chain runs here; the checks and their caches are in checks.ts.
 */
import { parseSettings, type RawConfig, type Scheme } from './config/settings'
import { ConfigError, ErrorResponse } from './errors'
import { AuthChecks } from './checks'
import type { CastFunction, SpecialFunction } from './params/args'
import type {
	AfterRequest,
	Authenticated,
	AuthenticationScheme,
	BeforeExec,
	BeforeRequest,
	GetUserPass,
	GroupCheck,
	HeaderValue,
	ObjectPermission,
	PasswordCheck,
	PasswordQuality,
	PathCheck,
	RequestLog,
	SecondFactor,
	UserInGroup,
	UserVersion
} from './types'
import {
	basicScheme,
	basicSchemeNow,
	fakeScheme,
	httpdScheme,
	paramScheme,
	tokenScheme,
	tokenSchemeNow,
	type AuthnInput,
	type Found,
	type SchemeResult,
	type SchemeResultNow
} from './authn/schemes'

export type * from './types'

export interface SimpleAuthOptions<Custom extends string = never> {
	/** The application name, default realm. @default "app" */
	name?: string
	/** FlaskSimpleAuth directives (FSA_*), as read from a TOML file. */
	config: RawConfig
	/**
	 * Custom authentication schemes by name (FlaskSimpleAuth's FSA_AUTHENTICATION); enable
	 * them in FSA_AUTH like the built-in ones.
	 * @example { code: ({ headers }) => codes.get(headers.get('code') ?? '') ?? null }
	 */
	authentication?: Record<Custom, AuthenticationScheme>
}

export interface TokenOptions {
	/** The realm the token is for. @default FSA_REALM */
	realm?: string
	/** Minutes until it expires. @default FSA_TOKEN_DELAY */
	delayMinutes?: number
	/** JWT only: the `scope` claim, checked by oauth routes. @default [] */
	scopes?: string[]
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
/**
 * FlaskSimpleAuth for Elysia: holds the configuration (FSA_* directives) and the
 * application's hooks; `simpleAuth(auth)` turns it into the Elysia plugin. Register hooks
 * before building routes: routes check at registration that their groups and domains exist.
 * @example
 * const auth = new SimpleAuth({ name: 'shop', config: { FSA_AUTH: ['token', 'basic', 'none'] } })
 *   .getUserPass((login) => db.passwordHash(login))
 *   .groupCheck('admin', (login) => db.isAdmin(login))
 * const app = new Elysia().use(simpleAuth(auth)).get('/me', ({ user }) => user, { authz: 'AUTH' })
 */
export class SimpleAuth<Custom extends string = never> extends AuthChecks {
	#passwordQuality: PasswordQuality | undefined
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

	constructor(options: SimpleAuthOptions<Custom>) {
		const custom: Record<string, AuthenticationScheme> = { ...options.authentication }
		super(parseSettings(options.config, options.name, Object.keys(custom)))
		this.#custom = custom
	}

	/**
	 * Register the hook that returns a user's password hash, or null for no such user
	 * (FlaskSimpleAuth's `get_user_pass`); required by the basic and param schemes.
	 * @example auth.getUserPass(async (login) => (await db.user(login))?.hash ?? null)
	 */
	getUserPass(hook: GetUserPass): this {
		this.userPassHook = hook
		return this
	}

	/** Register the checker of one group (FlaskSimpleAuth's `group_check`). */
	groupCheck(group: string, hook: GroupCheck): this {
		this.groupChecks.set(group, hook)
		return this
	}

	/** Register a checker for every group without one of its own (`user_in_group`). */
	userInGroup(hook: UserInGroup): this {
		this.userInGroupHook = hook
		return this
	}

	/**
	 * Register the object permission checker of a domain (`object_perms`), called with the
	 * login, the values of the route's variables, then the mode: true allows, false is a 403,
	 * null a 404 (FSA_NOT_FOUND_ERROR).
	 * @example auth.objectPerms('stuff', async (login, sid, mode) => (await db.owner(sid)) ?? null)
	 */
	objectPerms(domain: string, hook: ObjectPermission): this {
		this.domainChecks.set(domain, hook)
		return this
	}

	/** Add a hook run before routing; a Response it returns ends the request. Before `simpleAuth(auth)`. */
	beforeRequest(hook: BeforeRequest): this {
		this.#unsealed('beforeRequest')
		this.hooks.beforeRequest.push(hook)
		return this
	}

	/** Add a hook run on every response, which it may replace; before `simpleAuth(auth)`. */
	afterRequest(hook: AfterRequest): this {
		this.#unsealed('afterRequest')
		this.hooks.afterRequest.push(hook)
		return this
	}

	/** Add a hook run just before the handler; a Response it returns is the answer. Before `simpleAuth(auth)`. */
	beforeExec(hook: BeforeExec): this {
		this.#unsealed('beforeExec')
		this.hooks.beforeExec.push(hook)
		return this
	}

	/** Add response headers, fixed or computed per response (FSA_ADD_HEADERS from code). */
	addHeaders(headers: Record<string, HeaderValue>): this {
		this.#unsealed('addHeaders')
		Object.assign(this.hooks.headers, headers)
		return this
	}

	#sealed = false
	#served: object | undefined

	/**
	 * What serves this instance over HTTP, made on first use (internal: `simpleAuth(auth)` and
	 * `checkRoutes(app)` share it). One SimpleAuth, one plugin, however many apps use it.
	 */
	served<Served extends object>(make?: () => Served): Served | undefined {
		if (this.#served === undefined && make !== undefined) this.#served = make()
		return this.#served as Served | undefined
	}

	/**
	 * Called by `simpleAuth(auth)`: from then on, hooks that decide how requests flow (before
	 * request, before exec, after request, computed headers) are refused.
	 */
	seal(): void {
		this.#sealed = true
	}

	#unsealed(hook: string): void {
		if (this.#sealed) throw new ConfigError(`register ${hook} before using simpleAuth(auth)`)
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
		this.userVersionHook = hook
		return this
	}

	#secondFactor: SecondFactor | undefined

	/**
	 * Register the check of who needs more than a password: when it answers true for a user
	 * that a password scheme (basic, param) found, that scheme refuses the request with a 401
	 * `second factor required`, however its credentials were verified (cache included).
	 * @example auth.secondFactor((login, { request }) => !isLoginRoute(request) && db.hasOtp(login))
	 */
	secondFactor(hook: SecondFactor): this {
		this.#secondFactor = hook
		return this
	}

	/** Refuse a password alone where the second factor hook says one more factor is needed. */
	async #checkSecondFactor(found: Found, scheme: Scheme, input: AuthnInput): Promise<void> {
		if (this.#secondFactor === undefined || (scheme !== 'basic' && scheme !== 'param')) return
		let needed: boolean
		try {
			needed = await this.#secondFactor(found.user, input)
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error('second factor check failed:', error)
			throw new ErrorResponse('internal error in second factor check', this.settings.serverError)
		}
		if (needed !== false)
			throw new ErrorResponse('second factor required: a password alone is not enough', 401)
	}

	/** `#checkSecondFactor` from memory: whether the hook answered false at once. */
	#passwordEnoughNow(found: Found, scheme: Scheme, input: AuthnInput): boolean {
		if (this.#secondFactor === undefined || (scheme !== 'basic' && scheme !== 'param')) return true
		try {
			const answer = this.#secondFactor(found.user, input)
			if (answer instanceof Promise) answer.catch(() => undefined)
			return answer === false
		} catch {
			return false
		}
	}

	/** Register a password strength hook, checked by `hashPassword` (`password_quality`). */
	passwordQuality(hook: PasswordQuality): this {
		this.#passwordQuality = hook
		return this
	}

	/** Register an alternate password check (`password_check`). */
	passwordCheck(hook: PasswordCheck): this {
		this.passwordCheckHook = hook
		return this
	}

	/**
	 * Whether a route may name this group or scope: it must be declared when FSA_AUTHZ_GROUPS
	 * (or FSA_AUTHZ_SCOPES) declares any, and something must be able to check it.
	 */
	hasGroup(name: string): boolean {
		const { authzGroups, authzScopes, auth } = this.settings
		const checkable = this.groupChecks.has(name) || this.userInGroupHook !== undefined
		const asGroup = checkable && (authzGroups.length === 0 || authzGroups.includes(name))
		const asScope = auth.includes('oauth') && (authzScopes.length === 0 || authzScopes.includes(name))
		return asGroup || asScope
	}

	/** Whether something can check membership of a group (its own checker or the catch-all). */
	hasCheckableGroup(name: string): boolean {
		return this.groupChecks.has(name) || this.userInGroupHook !== undefined
	}

	hasDomain(domain: string): boolean {
		return this.domainChecks.has(domain)
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

	/**
	 * Create a token for a user (FlaskSimpleAuth's `create_token`): fsa or JWT by
	 * FSA_TOKEN_TYPE, valid FSA_TOKEN_DELAY minutes unless `delayMinutes` says otherwise.
	 * @example const token = await auth.createToken(user, { delayMinutes: 10 })
	 */
	async createToken(user: string, options: TokenOptions = {}): Promise<string> {
		return this.tokens.create(
			user,
			options.realm ?? this.settings.realm,
			options.delayMinutes,
			options.scopes,
			await this.tokenVersionOf(user)
		)
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
	 * `authenticate` without waiting, when memory answers: the schemes before find nothing, and
	 * a token or basic credentials are known valid. Undefined otherwise, for `authenticate` to
	 * decide (it reaches the same answer, the long way).
	 */
	authenticateNow(
		input: AuthnInput,
		schemes: readonly Scheme[],
		realm = this.settings.realm
	): Authenticated | undefined {
		for (const scheme of schemes) {
			const found = this.#runSchemeNow(scheme, input, realm)
			if (found === undefined) return undefined
			if (found !== null)
				return this.#passwordEnoughNow(found, scheme, input) ? { ...found, scheme } : undefined
		}
		return undefined
	}

	#runSchemeNow(scheme: Scheme, input: AuthnInput, realm: string): SchemeResultNow {
		switch (scheme) {
			case 'none':
				return null
			case 'basic':
				return basicSchemeNow(this, input)
			case 'token':
			case 'oauth':
				return tokenSchemeNow(this, input, realm)
			default:
				return undefined
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
				if (found !== null) await this.#checkSecondFactor(found, scheme, input)
			} catch (error) {
				if (!(error instanceof ErrorResponse) || error.status !== 401) throw error
				failure ??= error
				continue
			}
			if (found !== null) return { ...found, scheme }
		}
		throw failure ?? new ErrorResponse('missing authentication', 401)
	}
}
