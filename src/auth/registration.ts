/**
 * What an application registers on a SimpleAuth: its hooks, FlaskSimpleAuth's by name. Each
 * method returns the SimpleAuth, so registrations chain. The hooks that change how requests flow
 * (`beforeRequest`, `afterRequest`, `beforeExec`, `addHeaders`) are refused once
 * `simpleAuth(auth)` has built the plugin.
 */
import type { CastFunction, SpecialFunction } from './params/args'
import type {
	AfterRequest,
	ApiKeyLookup,
	ApiKeyUsed,
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

export interface HookRegistration {
	/**
	 * Register the hook that returns a user's password hash, or null for no such user
	 * (FlaskSimpleAuth's `get_user_pass`); required by the basic and param schemes.
	 * @example auth.getUserPass(async (login) => (await db.user(login))?.hash ?? null)
	 */
	getUserPass(hook: GetUserPass): this

	/** Register the checker of one group (FlaskSimpleAuth's `group_check`). */
	groupCheck(group: string, hook: GroupCheck): this

	/** Register a checker for every group without one of its own (`user_in_group`). */
	userInGroup(hook: UserInGroup): this

	/**
	 * Register the object permission checker of a domain (`object_perms`), called with the
	 * login, the values of the route's variables, then the mode: true allows, false is a 403,
	 * null a 404 (FSA_NOT_FOUND_ERROR).
	 * @example auth.objectPerms('stuff', async (login, sid, mode) => (await db.owner(sid)) ?? null)
	 */
	objectPerms(domain: string, hook: ObjectPermission): this

	/** Add a hook run before routing; a Response it returns ends the request. Before `simpleAuth(auth)`. */
	beforeRequest(hook: BeforeRequest): this

	/** Add a hook run on every response, which it may replace; before `simpleAuth(auth)`. */
	afterRequest(hook: AfterRequest): this

	/** Add a hook run just before the handler; a Response it returns is the answer. Before `simpleAuth(auth)`. */
	beforeExec(hook: BeforeExec): this

	/** Add response headers, fixed or computed per response (FSA_ADD_HEADERS from code). */
	addHeaders(headers: Record<string, HeaderValue>): this

	/** Add a receiver of one record per request: method, path, status, user, scheme, delay, error. */
	requestLog(hook: RequestLog): this

	/** Register a check of every route's method and path, run at start (`path_check`). */
	pathCheck(hook: PathCheck): this

	/** Register a conversion for `Cast(name)` parameters (FlaskSimpleAuth's `cast`). */
	cast(name: string, fn: CastFunction): this

	/** Register a kind of `Special(kind)` parameter (FlaskSimpleAuth's `special_parameter`). */
	specialParameter(kind: string, fn: SpecialFunction): this

	/**
	 * Register the user version hook: with it, a password, group or permission change made by
	 * another process (a CLI, another instance) is seen on the next request despite the caches.
	 */
	userVersion(hook: UserVersion): this

	/**
	 * Register the check of who needs more than a password: when it answers true for a user
	 * that a password scheme (basic, param) found, that scheme refuses the request with a 401
	 * `second factor required`, however its credentials were verified (cache included).
	 * @example auth.secondFactor((login, { request }) => !isLoginRoute(request) && db.hasOtp(login))
	 */
	secondFactor(hook: SecondFactor): this

	/**
	 * Register the lookup of API keys by id, required by the apikey scheme: the stored record
	 * (user, hash, scopes, expiry, rate, revoked) or null. Asked on every request made with a
	 * key, so that revocation is seen at once: answer at once (SQLite) to keep the scheme fast.
	 * @example auth.apiKey((id) => db.apiKey(id))
	 */
	apiKey(hook: ApiKeyLookup): this

	/** Register where the last use of each key goes: told at most once a minute per key. */
	apiKeyUsed(hook: ApiKeyUsed): this

	/** Register a password strength hook, checked by `hashPassword` (`password_quality`). */
	passwordQuality(hook: PasswordQuality): this

	/** Register an alternate password check (`password_check`). */
	passwordCheck(hook: PasswordCheck): this
}
