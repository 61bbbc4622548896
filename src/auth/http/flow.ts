/**
 * How a route is authorized, in FlaskSimpleAuth's order: 401 (authentication), 403 (groups),
 * 400 (parameters), 404/403 (object permissions), then before-exec hooks. A route whose
 * declaration is `immediate` is authorized at once, without a promise (Elysia then runs it
 * synchronously); any other route by a hook of its own, which answers what memory knows (a
 * known token or known credentials, a request without body) without waiting.
 */
import type { SimpleAuth } from '../simple-auth'
import type { Authenticated } from '../authn/chain'
import type { MaybePromise } from '../types'
import { expandSchemes, type Scheme } from '../config/settings'
import { ConfigError, ErrorResponse } from '../errors'
import { fillArgs } from '../params/args'
import { EarlyResponse } from './responses'
import { NO_SCOPES, type RequestState } from './state'

/** What the handler receives: the login (null on OPEN routes) and the typed parameters. */
export type Granted = { user: string | null; args: Record<string, any> }

export class RouteFlow {
	/** Request parameters that belong to authentication: never unexpected. */
	readonly #authParams = new Set<string>()

	constructor(readonly auth: SimpleAuth) {
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
	authorizeNow(state: RequestState, pathParams: Record<string, string> | undefined): Record<string, any> {
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
	 * Authorize a route that may wait: at once when nothing must be read and the chain answers
	 * at once (known tokens or credentials), else with a promise.
	 */
	authorize(
		state: RequestState,
		body: unknown,
		pathParams: Record<string, string> | undefined
	): MaybePromise<Granted> {
		const { auth } = this
		const route = state.route!
		const rule = route.authz
		if (rule.close) throw new ErrorResponse('currently closed route', 403)
		const loading = state.loadParams(body, auth.settings.maxBody)
		if (loading || rule.permissions.length > 0 || auth.hooks.beforeExec.length > 0)
			return this.#authorizeWaiting(state, pathParams, loading)
		if (!route.open) {
			const found = auth.authenticate(state, route.schemes, route.realm)
			if (found instanceof Promise || (found.scheme !== 'oauth' && rule.groups.length > 0))
				return this.#authorizeWaiting(state, pathParams, undefined, found)
			grant(state, found)
			if (found.scheme === 'oauth') auth.checkScopes(rule.groups, state.scopes)
		}
		const args = (state.values = this.#argsOf(state, pathParams))
		return { user: state.user, args }
	}

	/** `authorize`, waiting where it must; `authenticating` is the chain's answer when it was asked. */
	async #authorizeWaiting(
		state: RequestState,
		pathParams: Record<string, string> | undefined,
		loading: Promise<void> | undefined,
		authenticating?: MaybePromise<Authenticated>
	): Promise<Granted> {
		const { auth } = this
		const route = state.route!
		const { authz: rule, schemes } = route
		if (loading) await loading
		if (!route.open) {
			const found = await (authenticating ?? auth.authenticate(state, schemes, route.realm))
			grant(state, found)
			if (found.scheme === 'oauth') auth.checkScopes(rule.groups, state.scopes)
			else if (rule.groups.length > 0) {
				// a key holds only the groups it was given, and only those its user still has
				if (found.scheme === 'apikey') auth.checkScopes(rule.groups, state.scopes)
				await auth.checkGroups(found.user, rule.groups)
			}
		}
		const args = this.#argsOf(state, pathParams)
		for (const permission of rule.permissions) {
			const values = permission.variables.map((name) =>
				name in args ? args[name] : pathParams?.[name]
			)
			await auth.checkPermission(state.user!, permission, values)
		}
		for (const hook of auth.hooks.beforeExec) {
			const response = await hook(state.request, state.user, [...schemes])
			if (response) throw new EarlyResponse(response)
		}
		state.values = args
		return { user: state.user, args }
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

/** Record who authenticated the request. */
function grant(state: RequestState, found: Authenticated): void {
	state.user = found.user
	state.scheme = found.scheme
	state.scopes = found.scopes ?? NO_SCOPES
	state.tokenExpires = found.expires
	state.token = found.token
}
