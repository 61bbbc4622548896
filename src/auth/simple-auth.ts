/**
 * SimpleAuth, free of any HTTP server: a facade over the services named after what they do, as
 * FlaskSimpleAuth's managers are (hooks, users, credentials, tokens, authorization, the
 * authentication chain, the cache). The application registers its hooks here (documented by
 * HookRegistration) and asks for what it needs (AuthOperations).
 */
import type { SimpleAuthOptions, TokenOptions } from './options'
import type { HookRegistration } from './registration'
import type { AuthOperations } from './operations'
import { parseSettings, type Scheme, type Settings } from './config/settings'
import { AppHooks } from './hooks'
import { UserFacts } from './users'
import { Cache } from './cache/cache'
import { Uncache } from './cache/uncache'
import { PasswordManager } from './authn/passwords'
import { Throttle } from './authn/throttle'
import { Credentials } from './authn/credentials'
import { TokenManager, type TokenIdentity } from './tokens/tokens'
import { TokenValidation } from './tokens/validation'
import { IssuerTokens } from './tokens/issuers'
import { AuthorizationChecks } from './authz/checks'
import type { Permission } from './authz/rules'
import { authenticate, type Authenticated, type RunScheme } from './authn/chain'
import type { AuthnInput, Found, SchemeServices } from './authn/scheme'
import { ApiKeyValidation, apiKeyPrefix, newApiKey, type NewApiKey } from './authn/apikey'
import { runSchemes } from './authn/schemes'
import type { CastFunction, SpecialFunction } from './params/args'
import type * as Hook from './types'
import type { MaybePromise } from './types'
export type * from './types'

export type { SimpleAuthOptions, TokenOptions } from './options'
export { checkPath } from './http/paths'

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
export class SimpleAuth<Custom extends string = never>
	implements AuthOperations, HookRegistration, SchemeServices
{
	readonly settings: Settings
	/** The application's hooks; registered through the methods below, never by hand. */
	readonly hooks: AppHooks
	readonly passwords: PasswordManager
	readonly tokens: TokenManager
	/** Password lookups, group checks, object permissions and token validations (FSA_CACHE). */
	readonly cache: Cache
	/** Counts failed password checks per login and address (FSA_THROTTLE). */
	readonly throttle: Throttle
	/** Groups, scopes and object permissions, with their cache; which groups a route may name. */
	readonly authorization: AuthorizationChecks
	readonly #users: UserFacts
	readonly #credentials: Credentials
	readonly #tokenValidation: TokenValidation
	readonly #uncache: Uncache
	/** FSA_TOKEN_ISSUERS: identity providers whose JWTs the oauth scheme accepts. */
	readonly issuerTokens: IssuerTokens | undefined
	readonly #apiKeys: ApiKeyValidation
	/** The first part of the keys this instance makes, from the application name. */
	readonly #apiKeyPrefix: string
	#served: object | undefined
	/** One scheme of the chain, by name: built-in or custom. */
	readonly #runScheme: RunScheme = runSchemes(this)

	constructor(options: SimpleAuthOptions<Custom>) {
		const custom: Record<string, Hook.AuthenticationScheme> = { ...options.authentication }
		const settings = (this.settings = parseSettings(options.config, options.name, Object.keys(custom)))
		this.hooks = new AppHooks(custom)
		this.passwords = new PasswordManager(settings.password)
		this.tokens = new TokenManager(settings.token)
		this.cache = new Cache(settings.cache)
		this.throttle = new Throttle(
			settings.throttle,
			this.cache.backend,
			settings.cache.prefix,
			this.cache.near
		)
		this.#users = new UserFacts(this.hooks, this.cache, settings.serverError)
		this.#credentials = new Credentials(
			settings,
			this.hooks,
			this.#users,
			this.cache,
			this.throttle,
			this.passwords
		)
		this.#tokenValidation = new TokenValidation(settings, this.tokens, this.#users, this.cache)
		this.authorization = new AuthorizationChecks(settings, this.hooks, this.#users, this.cache)
		this.#uncache = new Uncache(this.cache, this.#tokenValidation, this.#users, settings.realm)
		this.#apiKeys = new ApiKeyValidation(settings, this.hooks, this.#users, this.cache)
		this.#apiKeyPrefix = apiKeyPrefix(options.name ?? 'app')
		if (settings.issuers.length > 0)
			this.issuerTokens = new IssuerTokens(
				settings.issuers,
				(login) => this.#users.exists(login),
				settings.token.graceMinutes * 60,
				options.jwks
			)
	}

	// the application's hooks, each documented by HookRegistration; the operations by AuthOperations

	getUserPass(hook: Hook.GetUserPass): this {
		this.hooks.getUserPass = hook
		return this
	}

	groupCheck(group: string, hook: Hook.GroupCheck): this {
		this.hooks.groupChecks.set(group, hook)
		return this
	}

	userInGroup(hook: Hook.UserInGroup): this {
		this.hooks.userInGroup = hook
		return this
	}

	objectPerms(domain: string, hook: Hook.ObjectPermission): this {
		this.hooks.domainChecks.set(domain, hook)
		return this
	}

	beforeRequest(hook: Hook.BeforeRequest): this {
		this.hooks.addBeforeRequest(hook)
		return this
	}

	afterRequest(hook: Hook.AfterRequest): this {
		this.hooks.addAfterRequest(hook)
		return this
	}

	beforeExec(hook: Hook.BeforeExec): this {
		this.hooks.addBeforeExec(hook)
		return this
	}

	addHeaders(headers: Record<string, Hook.HeaderValue>): this {
		this.hooks.addHeaders(headers)
		return this
	}

	requestLog(hook: Hook.RequestLog): this {
		this.hooks.addRequestLog(hook)
		return this
	}

	pathCheck(hook: Hook.PathCheck): this {
		this.hooks.pathCheck = hook
		return this
	}

	cast(name: string, fn: CastFunction): this {
		this.hooks.casts.set(name, fn)
		return this
	}

	specialParameter(kind: string, fn: SpecialFunction): this {
		this.hooks.specials.set(kind, fn)
		return this
	}

	userVersion(hook: Hook.UserVersion): this {
		this.hooks.userVersion = hook
		return this
	}

	secondFactor(hook: Hook.SecondFactor): this {
		this.hooks.secondFactor = hook
		return this
	}

	apiKey(hook: Hook.ApiKeyLookup): this {
		this.hooks.apiKey = hook
		return this
	}

	apiKeyUsed(hook: Hook.ApiKeyUsed): this {
		this.hooks.apiKeyUsed = hook
		return this
	}

	createApiKey(prefix = this.#apiKeyPrefix): NewApiKey {
		return newApiKey(prefix)
	}

	verifyApiKey(key: string): MaybePromise<Found> {
		return this.#apiKeys.verify(key)
	}

	passwordQuality(hook: Hook.PasswordQuality): this {
		this.hooks.passwordQuality = hook
		return this
	}

	passwordCheck(hook: Hook.PasswordCheck): this {
		this.hooks.passwordCheck = hook
		return this
	}

	/**
	 * What serves this instance over HTTP, made on first use (internal: `simpleAuth(auth)` and
	 * `checkRoutes(app)` share it). One SimpleAuth, one plugin, however many apps use it.
	 */
	served<Served extends object>(make?: () => Served): Served | undefined {
		if (this.#served === undefined && make !== undefined) this.#served = make()
		return this.#served as Served | undefined
	}

	hashPassword(password: string): Promise<string> {
		return this.passwords.hashNew(password, this.hooks.passwordQuality)
	}

	checkUserPassword(login: string, password: string, address?: string): MaybePromise<void> {
		return this.#credentials.check(login, password, address)
	}

	verifyToken(token: string, realm = this.settings.realm): MaybePromise<TokenIdentity> {
		return this.#tokenValidation.verify(token, realm)
	}

	createToken(user: string, options: TokenOptions = {}): Promise<string> {
		return this.#tokenValidation.create(user, options)
	}

	revokeToken(token: string, realm = this.settings.realm): Promise<void> {
		return this.#tokenValidation.revoke(token, realm)
	}

	revokeUser(login: string): Promise<void> {
		return this.#tokenValidation.revokeUser(login)
	}

	checkGroups(user: string, groups: readonly string[]): Promise<void> {
		return this.authorization.checkGroups(user, groups)
	}

	checkPermission(user: string, permission: Permission, values: unknown[]): Promise<void> {
		return this.authorization.checkPermission(user, permission, values)
	}

	clearCaches(): Promise<void> {
		return this.#uncache.clearCaches()
	}

	versionUncache(user: string): Promise<void> {
		return this.#uncache.versionUncache(user)
	}

	passwordUncache(user: string): Promise<boolean> {
		return this.#uncache.passwordUncache(user)
	}

	tokenUncache(token: string, realm?: string): Promise<boolean> {
		return this.#uncache.tokenUncache(token, realm)
	}

	groupUncache(user: string, group: string): Promise<boolean> {
		return this.#uncache.groupUncache(user, group)
	}

	objectPermsUncache(
		domain: string,
		user: string,
		values: unknown[],
		mode?: string | null
	): Promise<boolean> {
		return this.#uncache.objectPermsUncache(domain, user, values, mode)
	}

	authUncache(user: string): Promise<number> {
		return this.#uncache.authUncache(user)
	}

	authenticate(
		input: AuthnInput,
		schemes: readonly Scheme[],
		realm = this.settings.realm
	): MaybePromise<Authenticated> {
		return authenticate(this.#runScheme, input, schemes, realm)
	}
}
