/**
 * How a route is authorized, in FlaskSimpleAuth's order: 401 (authentication), 403 (groups),
 * 400 (parameters), 404/403 (object permissions), then before-exec hooks. A route whose
 * declaration is `immediate` is authorized at once, without a promise (Elysia then runs it
 * synchronously). Any other route has hooks of its own: a resolve hook that authenticates
 * (none on an OPEN route), then a beforeHandle hook that authorizes; both answer what memory
 * knows (a known token or known credentials, a request without body) without waiting.
 */
import type { SimpleAuth } from '../simple-auth'
import type { Authenticated } from '../authn/chain'
import type { BeforeExec, MaybePromise } from '../types'
import { expandSchemes, type Scheme } from '../config/settings'
import { ConfigError, ErrorResponse } from '../errors'
import { fillArgs } from '../params/args'
import { EarlyResponse } from './responses'
import { NO_SCOPES, type RequestState } from './state'
import type { RouteDeclaration } from './declaration'

export class RouteFlow {
	/** Request parameters that belong to authentication: never unexpected. */
	readonly #authParams = new Set<string>()

	/**
	 * The before-exec hooks, as a plain array (walked faster than the frozen list): the plugin
	 * that makes this flow seals them, so they change no more.
	 */
	readonly #beforeExec: BeforeExec[]

	constructor(readonly auth: SimpleAuth) {
		this.#beforeExec = [...auth.hooks.beforeExec]
		const { settings } = auth
		if (settings.auth.includes('param')) this.#authParams.add(settings.paramUser).add(settings.paramPass)
		if (settings.auth.includes('fake')) this.#authParams.add(settings.fakeLogin)
		if (settings.token.carrier === 'param') this.#authParams.add(settings.token.name)
	}

	/** The schemes of a route's `authn`, all within FSA_AUTH (else a ConfigError). */
	checkAuthn(value: string | readonly string[]): Scheme[] {
		const { settings } = this.auth
		const schemes = expandSchemes('authn', value, false, settings.auth)
		for (const scheme of schemes)
			if (!settings.auth.includes(scheme))
				throw new ConfigError(
					`authn names "${scheme}", which FSA_AUTH does not enable (${settings.auth.join(', ')})`
				)
		return schemes
	}

	/**
	 * The arguments of a route authorized at once (its declaration is `immediate`): its query
	 * string is checked for unexpected parameters, and a body it would not read is refused.
	 * An undeclared route is closed.
	 */
	immediateArgs(state: RequestState, pathParams: Record<string, string> | undefined): Record<string, any> {
		const { settings } = this.auth
		if (state.route === undefined) throw new ErrorResponse('currently closed route', 403)
		const { request } = state
		if (
			settings.rejectUnexpectedParam &&
			request.body !== null &&
			!request.bodyUsed &&
			request.headers.get('content-length') !== '0'
		)
			throw new ErrorResponse('unexpected request body: this route takes no parameters', 400)
		state.loadQuery()
		return (state.values = this.#argsOf(state, pathParams))
	}

	/**
	 * Authentication, the resolve hook of every declared route that is not open: a closed route is
	 * refused (403) before anyone is asked; the request's parameters are loaded (the param scheme
	 * and a token carried as a parameter read them), then the route's schemes are tried in order
	 * (401 when none authenticates). At once when nothing must be read and the chain answers from
	 * memory (a known token, known credentials), else with a promise.
	 */
	authenticate(state: RequestState, body: unknown): MaybePromise<{ user: string }> {
		const route = state.route!
		if (route.authz.close) throw new ErrorResponse('currently closed route', 403)
		const loading = state.loadParams(body, this.auth.settings.maxBody)
		if (loading !== undefined) return loading.then(() => this.#authenticated(state, route))
		return this.#authenticated(state, route)
	}

	#authenticated(state: RequestState, route: RouteDeclaration): MaybePromise<{ user: string }> {
		const found = this.auth.authenticate(state, route.schemes, route.realm)
		return found instanceof Promise ? found.then((found) => grant(state, found)) : grant(state, found)
	}

	/**
	 * Authorization, the beforeHandle hook of every declared route not authorized at once, after
	 * authentication: groups or scopes (403), parameters (400), object permissions (404/403),
	 * before-exec hooks. Answers the handler's arguments, at once when nothing waits (no body to
	 * read, no group, permission or before-exec hook to ask), else with a promise.
	 */
	authorize(
		state: RequestState,
		body: unknown,
		pathParams: Record<string, string> | undefined
	): MaybePromise<Record<string, any>> {
		const route = state.route!
		const rule = route.authz
		// loaded already where authentication ran: an OPEN route loads them here
		const loading = state.loadParams(body, this.auth.settings.maxBody)
		const askGroups = !route.open && rule.groups.length > 0 && state.scheme !== 'oauth'
		if (loading || askGroups || rule.permissions.length > 0 || this.#beforeExec.length > 0)
			return this.#authorizeWaiting(state, route, pathParams, loading)
		return this.authorizeAtOnce(state, pathParams)
	}

	/**
	 * `authorize` where nothing waits: an oauth token's scopes (403), then the parameters (400).
	 * The hook of a route whose declaration is `authorizedAtOnce` calls it directly, once its
	 * chain loaded the parameters.
	 */
	authorizeAtOnce(
		state: RequestState,
		pathParams: Record<string, string> | undefined
	): Record<string, any> {
		const route = state.route!
		if (!route.open && state.scheme === 'oauth')
			this.auth.authorization.checkScopes(route.authz.groups, state.scopes)
		return (state.values = this.#argsOf(state, pathParams))
	}

	/** `authorize`, waiting where it must. */
	async #authorizeWaiting(
		state: RequestState,
		route: RouteDeclaration,
		pathParams: Record<string, string> | undefined,
		loading: Promise<void> | undefined
	): Promise<Record<string, any>> {
		const { auth } = this
		const { authz: rule, schemes } = route
		if (loading) await loading
		if (!route.open) {
			if (state.scheme === 'oauth') auth.authorization.checkScopes(rule.groups, state.scopes)
			else if (rule.groups.length > 0) {
				// a key holds only the groups it was given, and only those its user still has
				if (state.scheme === 'apikey') auth.authorization.checkScopes(rule.groups, state.scopes)
				await auth.checkGroups(state.user!, rule.groups)
			}
		}
		const args = this.#argsOf(state, pathParams)
		for (const permission of rule.permissions) {
			const values = permission.variables.map((name) =>
				name in args ? args[name] : pathParams?.[name]
			)
			await auth.checkPermission(state.user!, permission, values)
		}
		for (const hook of this.#beforeExec) {
			const response = await hook(state.request, state.user, [...schemes])
			if (response) throw new EarlyResponse(response)
		}
		return (state.values = args)
	}

	/** The route's typed arguments (400 for a missing, invalid or unexpected parameter). */
	#argsOf(state: RequestState, pathParams: Record<string, string> | undefined): Record<string, any> {
		return fillArgs(state.route?.args, {
			pathParams: pathParams ?? {},
			request: state.params(),
			ignored: this.#authParams,
			rejectUnexpected: this.auth.settings.rejectUnexpectedParam,
			special: state
		})
	}
}

/** Record who authenticated the request; the login, for the handler. */
function grant(state: RequestState, found: Authenticated): { user: string } {
	state.user = found.user
	state.scheme = found.scheme
	state.scopes = found.scopes ?? NO_SCOPES
	state.tokenExpires = found.expires
	state.token = found.token
	return { user: found.user }
}
