/**
 * The Elysia plugin: route options `authz`, `authn`, `args` and `realm`, the request flow in
 * FlaskSimpleAuth's order (401, 403 groups, 400 parameters, 404/403 objects), response
 * headers and error rendering.
 */
import { Elysia, type AnyElysia } from 'elysia'
import { cors } from '@elysiajs/cors'
import type { TObject } from '@sinclair/typebox'
import type { RequestRecord, SimpleAuth } from '../simple-auth'
import { ConfigError, ErrorResponse } from '../errors'
import type { BuiltinScheme } from '../config/settings'
import type { SimpleAuthPlugin } from './route-types'
import { compileAuthz, type AuthzRule, type CompiledAuthz } from '../authz/rules'
import { compileArgs, isEmpty } from '../params/args'
import { DECLARATION, RouteDeclaration, type RouteOptionValues } from './declaration'
import { RouteFlow } from './flow'
import { readBody } from '../params/request'
import { RequestState, type ServingContext } from './state'
import { RouteChecks } from './route-checks'
import { isLoopback } from './client'
import { readCookie } from '../authn/token'
import { EarlyResponse, decorate, finish, needsFinish, pathOf, renderError, toResponse } from './responses'
import { routedRight } from './paths'

export { RequestState } from './state'
export { checkRoutes } from './route-checks'

/** Elysia routed by another path than the one asked for: refused, never run. */
const HOST_MESSAGE = 'invalid Host header: the request path cannot be told apart from it'

const GET_BODY_MESSAGE =
	'this server drops the body of GET requests: send the parameters in the query string (curl -G -d ...), ' +
	'or start the service with --transport node'

/** A GET or HEAD that announced a body (of `length`, its Content-Length) the server discarded. */
function lostGetBody(request: Request, length: string | null): boolean {
	const { method } = request
	if (method !== 'GET' && method !== 'HEAD') return false
	if (request.body !== null) return false
	if (length !== null) return length !== '0'
	const encoding = request.headers.get('transfer-encoding')
	return encoding !== null && /chunked/i.test(encoding)
}

/** Whether a server's host name is a loopback one: then every peer is on this machine. */
function loopbackHost(hostname: string | undefined): boolean {
	return (
		hostname !== undefined && (hostname === 'localhost' || isLoopback(hostname.replace(/^\[|\]$/g, '')))
	)
}

/** Options a route gave before its authz, kept on its hook until authz reads them. */
const PENDING = Symbol('route options')

/** A route's declaration, from its authz macro to the hooks it chooses (Elysia's nested macro). */
class DeclaredRoute {
	route: RouteDeclaration | undefined
	static #count = 0
	/** Elysia deduplicates a macro's hooks by a seed: one per route. */
	readonly seed = ++DeclaredRoute.#count
}

/** Responses onError made, headers and after-request hooks included: mapResponse leaves them be. */
const rendered = new WeakSet<Response>()

/** Typed as nothing: error responses do not change what routes answer, for clients such as Eden. */
async function markRendered(response: Promise<Response>): Promise<undefined> {
	const done = await response
	rendered.add(done)
	return done as unknown as undefined
}

let lastMs = 0
let lastIso = ''

/** The time as ISO text, made once per millisecond however many requests end in it. */
export function isoNow(): string {
	const now = Date.now()
	if (now !== lastMs) {
		lastMs = now
		lastIso = new Date(now).toISOString()
	}
	return lastIso
}

/**
 * Give the request log its record, when the response is mapped (Elysia's after-response
 * hooks cost more than the rest of the framework on a fast route).
 */
function logRequest(auth: SimpleAuth, state: RequestState, status: number, failure?: ErrorResponse): void {
	if (auth.hooks.requestLog.length === 0) return
	const { request } = state
	const record: RequestRecord = {
		ts: isoNow(),
		reqid: state.id,
		method: request.method,
		path: state.path,
		status,
		ms: Math.round((performance.now() - state.start) * 1000) / 1000,
		user: state.user,
		scheme: state.scheme
	}
	if (failure) record.error = failure.message
	if (failure?.detail !== undefined) record.attempt = failure.detail
	for (const hook of auth.hooks.requestLog) hook(record)
}

/**
 * The Elysia plugin of a `SimpleAuth`: every route declares `authz`; a route without it
 * answers 403. The handler receives `user` (the authenticated login) and `args` (typed
 * parameters).
 * @example
 * const auth = new SimpleAuth({ name: 'acme', config: { FSA_AUTH: ['basic', 'none'] } })
 * const app = new Elysia().use(simpleAuth(auth))
 *   .get('/hello-me', ({ user }) => ({ user }), { authz: 'AUTH' })
 */
export function simpleAuth<Custom extends string = never>(
	auth: SimpleAuth<Custom>
): SimpleAuthPlugin<SimpleAuth<Custom>, BuiltinScheme | Custom> {
	const served = auth.served(() => servePlugin(auth as SimpleAuth))!
	return served.plugin as unknown as SimpleAuthPlugin<SimpleAuth<Custom>, BuiltinScheme | Custom>
}

/** What serves one SimpleAuth: its Elysia plugin, and the checks and index of its routes. */
export interface Served {
	plugin: AnyElysia
	checks: RouteChecks
}

/** Each plugin is told apart by its own seed: two SimpleAuth instances never merge. */
let pluginCount = 0

function servePlugin(auth: SimpleAuth): Served {
	const { settings } = auth
	const flow = new RouteFlow(auth)
	const routeChecks = new RouteChecks(auth, flow)

	/**
	 * Compile a route's declaration from its options: its authz, and the authn, args and realm
	 * given beside it (read here, or kept by their own macros when they came first).
	 */
	function declare(authz: CompiledAuthz, hook: Record<string | symbol, unknown>): RouteDeclaration {
		const options: RouteOptionValues = { ...(hook[PENDING] as RouteOptionValues | undefined) }
		if (hook.authn !== undefined) options.authn = hook.authn as string | string[]
		if (hook.args !== undefined) options.args = hook.args
		if (hook.realm !== undefined) options.realm = hook.realm as string
		const schemes = options.authn !== undefined ? flow.checkAuthn(options.authn) : settings.authDefault
		const args =
			options.args !== undefined ? compileArgs(options.args as TObject, auth.registry) : undefined
		// the one place that decides: an OPEN route open to anyone, with nothing to read or wait for
		const immediate =
			authz.open && schemes.includes('none') && args === undefined && auth.hooks.beforeExec.length === 0
		const route = new RouteDeclaration(
			flow,
			authz,
			schemes,
			options.authn !== undefined,
			args,
			options.realm,
			immediate,
			options
		)
		// a new detail object: the route's own may be shared with other routes
		hook.detail = { ...(hook.detail as object | undefined), [DECLARATION]: route }
		return route
	}

	/**
	 * An `authn`, `args` or `realm` option: read by the route's authz, beside it; anywhere else
	 * (a guard, a group) it would be left unchecked, so it is refused.
	 */
	function keepOption(
		hook: Record<string | symbol, unknown>,
		key: keyof RouteOptionValues,
		value: unknown
	) {
		const made = (hook.detail as Record<string, unknown> | undefined)?.[DECLARATION]
		if (made instanceof RouteDeclaration) {
			// the route's authz came first and read it already
			if (made.options[key] === value) return
		} else if ('authz' in hook) {
			// the route's authz comes next, and Elysia removes each option once applied
			;((hook[PENDING] ??= {}) as Record<string, unknown>)[key] = value
			return
		}
		throw new ConfigError(`${key} must be declared on the route itself, next to its authz`)
	}
	const cookieCarrier = settings.token.carrier === 'cookie' && auth.tokens.canCreate

	function toErrorResponse(code: unknown, error: unknown, request: Request): ErrorResponse {
		if (error instanceof ErrorResponse) return error
		if (code === 'NOT_FOUND') {
			if (!routedRight(request.url, undefined)) return new ErrorResponse(HOST_MESSAGE, 400)
			const allow = routeChecks.allowedMethods(pathOf(request.url))
			if (allow.length > 0)
				return new ErrorResponse('method not allowed', 405, { allow: allow.join(', ') })
			return new ErrorResponse('not found', 404)
		}
		if (code === 'PARSE' || code === 'VALIDATION') return new ErrorResponse('invalid request', 400)
		console.error(`internal error on ${request.method} ${pathOf(request.url)}:`, error)
		return new ErrorResponse('internal error', settings.serverError)
	}

	/** Whether the token that authenticated a request still does (a logout may have revoked it). */
	async function stillValid(state: RequestState, token: string): Promise<boolean> {
		try {
			await auth.verifyToken(token, state.route?.realm ?? settings.realm)
			return true
		} catch (error) {
			if (error instanceof ErrorResponse && error.status === 401) return false
			throw error
		}
	}

	/**
	 * The cookie carrier: (re)issue the token cookie of an authenticated response, never past
	 * the token presented; clear it when that token no longer authenticates (a logout).
	 */
	async function tokenCookie(state: RequestState): Promise<string | undefined> {
		if (!state.user) return undefined
		const { name, delayMinutes, renewal } = settings.token
		const secure = state.client().secure ? '; Secure' : ''
		const cookie = (value: string, maxAge: number) =>
			`${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`
		const presented = state.scheme === 'token' ? state.token : undefined
		if (presented !== undefined && !(await stillValid(state, presented))) return cookie('', 0)
		const present = readCookie(state.headers.get('cookie'), name)
		const nearExpiry =
			state.tokenExpires === undefined ||
			state.tokenExpires < Date.now() / 1000 + renewal * delayMinutes * 60
		if (present && state.scheme === 'token' && renewal > 0 && !nearExpiry) return undefined
		const token = await auth.createToken(state.user, {
			realm: state.route?.realm,
			presented: state.token
		})
		// a renewed token expires with the one presented, and so does its cookie
		const limit = state.token === undefined ? Infinity : (state.tokenExpires ?? 0) - Date.now() / 1000
		return cookie(token, Math.max(0, Math.floor(Math.min(delayMinutes * 60, limit))))
	}

	interface MapContext {
		set: { status?: unknown; headers: unknown }
		fsa: RequestState | undefined
		responseValue: unknown
	}

	/** The headers of a mapped response; false when onError already made it whole. */
	function mapHeaders({ set, fsa, responseValue }: MapContext): number | false {
		// Elysia maps the response of onError too, with the error's status: it is complete
		if ((responseValue instanceof Response && rendered.has(responseValue)) || fsa === undefined)
			return false
		const status = typeof set.status === 'number' ? set.status : 200
		const headers = set.headers as Record<string, string>
		if (
			(typeof responseValue === 'string' || responseValue === undefined || responseValue === null) &&
			headers['content-type'] === undefined
		)
			headers['content-type'] = settings.defaultContentType ?? 'text/plain; charset=utf-8'
		decorate(auth, headers, fsa, status)
		logRequest(auth, fsa, status)
		return status
	}

	/**
	 * Map a response: a JSON value answered with 200 and no header of the handler's becomes a
	 * Response here (Response.json, then the headers: cheaper than Elysia's mapping with
	 * headers), kept in the state for the hook to return; other values get their headers.
	 */
	function mapNow({ set, fsa, responseValue }: MapContext & { set: { cookie?: unknown } }): void {
		if (
			fsa !== undefined &&
			set.status === 200 &&
			responseValue !== null &&
			typeof responseValue === 'object' &&
			(responseValue.constructor === Object || Array.isArray(responseValue)) &&
			set.cookie === undefined &&
			isEmpty(set.headers as Record<string, string>)
		) {
			const response = Response.json(responseValue)
			const headers: Record<string, string> = {}
			decorate(auth, headers, fsa, 200)
			for (const name in headers) response.headers.append(name, headers[name])
			logRequest(auth, fsa, 200)
			fsa.mapped = response
			return
		}
		mapHeaders({ set, fsa, responseValue })
	}

	/** With a token cookie or response hooks to apply, mapping waits for them. */
	async function mapResponseAsync(context: MapContext) {
		const status = mapHeaders(context)
		if (status === false) return
		const state = context.fsa!
		const headers = context.set.headers as Record<string, string | string[]>
		if (cookieCarrier && status < 400) {
			const cookie = await tokenCookie(state)
			if (cookie) {
				const existing = headers['set-cookie']
				headers['set-cookie'] = existing === undefined ? cookie : [existing, cookie].flat()
			}
		}
		if (needsFinish(auth)) {
			const response = toResponse(context.responseValue, status, headers as Record<string, string>)
			return finish(auth, response, state.request)
		}
	}

	// Elysia reads hooks' parameters to know what a request needs (destructure them), and awaits
	// only async hooks: the synchronous variant, which it runs faster, serves when nothing waits;
	// the hooks that shape responses must be known now (SimpleAuth refuses them later)
	const addHeaders =
		cookieCarrier || needsFinish(auth)
			? async function addHeaders({ set, fsa, responseValue }: MapContext) {
					return mapResponseAsync({ set, fsa, responseValue })
				}
			: // (returning a property, not a call's result, which Elysia would await)
				function addHeaders({ set, fsa, responseValue }: MapContext): Response | undefined {
					mapNow({ set, fsa, responseValue })
					return fsa?.mapped
				}
	auth.seal()

	/** The raw body of a route that reads one, for the parameters (Elysia's parser is bypassed). */
	function readRawBody({ request }: { request: Request }, contentType: string) {
		return readBody(request, contentType, settings.maxBody)
	}

	/** The hook of a route that waits: authentication, groups, parameters, permissions, hooks. */
	function authorizeLater({
		fsa,
		body,
		params
	}: {
		fsa: RequestState
		body: unknown
		params?: Record<string, string>
	}) {
		return flow.authorize(fsa, body, params)
	}

	const serving: ServingContext = {
		trustedProxies: settings.trustedProxies,
		server: undefined,
		limits: { maxParams: settings.maxParams, maxDepth: settings.maxDepth }
	}
	/** Whether the server listens on loopback only and trusts no proxy: then every client is local. */
	let localClientsOnly = false
	/** The state of a request refused before its route ran, for the error handler. */
	const refused = new WeakMap<Request, RequestState>()

	/** The checks every request passes before its route: body size, FSA_SECURE, a dropped GET body. */
	function admit(state: RequestState): void {
		const { request } = state
		const length = request.headers.get('content-length')
		if (length !== null && Number(length) > settings.maxBody)
			throw new ErrorResponse('request body too large', 413)
		if (settings.secure && !localClientsOnly && !state.url.startsWith('https:')) {
			// the client, as a trusted proxy reports it: a loopback proxy forwarding plain HTTP
			// from afar is refused like the remote client itself
			const { address, secure } = state.client()
			if (!secure && address !== undefined && !isLoopback(address))
				throw new ErrorResponse('insecure HTTP request denied', 403)
		}
		if (lostGetBody(request, length)) throw new ErrorResponse(GET_BODY_MESSAGE, 400)
	}

	/** A request's state, admitted; kept for the error handler when it is refused. */
	function admitted(request: Request): RequestState {
		const state = new RequestState(request, serving)
		try {
			admit(state)
		} catch (error) {
			refused.set(request, state)
			throw error
		}
		return state
	}

	/** The state of a request whose `route` was chosen by its path, and by nothing else. */
	function routed(state: RequestState, route: string | undefined): RequestState {
		if (!routedRight(state.url, route)) {
			refused.set(state.request, state)
			throw new ErrorResponse(HOST_MESSAGE, 400)
		}
		return state
	}

	/** Before-request hooks: the first Response ends the request, with the usual headers. */
	async function beforeRequest(state: RequestState): Promise<Response | undefined> {
		for (const hook of auth.hooks.beforeRequest) {
			const response = await hook(state.request)
			if (response) {
				// as in Flask, an early response still gets the headers and after-request hooks
				const headers: Record<string, string> = {}
				decorate(auth, headers, state, response.status)
				return finish(auth, toResponse(response, response.status, headers), state.request)
			}
		}
	}

	/** With before-request hooks, requests start before routing, and their states wait here. */
	const started = new WeakMap<Request, RequestState>()
	let plugin = new Elysia({ name: 'simple-auth', seed: ++pluginCount }).decorate('auth', auth)
	if (auth.hooks.beforeRequest.length > 0)
		plugin = plugin.onRequest(async function startRequest({ request }) {
			const state = admitted(request)
			started.set(request, state)
			const early = await beforeRequest(state)
			// typed as nothing: it does not change what routes answer, for clients such as Eden
			return early as unknown as undefined
		})

	// as flask-cors: credentials are not allowed unless FSA_CORS_OPTS says so
	const corsOptions = { credentials: false, ...settings.cors.options }
	const base = settings.cors.enabled ? new Elysia().use(cors(corsOptions)) : new Elysia()
	const served = base.use(
		plugin
			.derive(
				{ as: 'global' },
				// with before-request hooks, the request hook made the state already
				auth.hooks.beforeRequest.length > 0
					? function startedState({ request, route }) {
							return { fsa: routed(started.get(request) ?? admitted(request), route) }
						}
					: function requestState({ request, route }) {
							return { fsa: routed(admitted(request), route) }
						}
			)
			.macro({
				/** Who may call the route: OPEN, AUTH, CLOSE, a group, or `[domain, variables, mode]`. */
				authz(rule: AuthzRule) {
					const compiled = compileAuthz(
						rule,
						(domain) => auth.hasDomain(domain),
						(group) => auth.hasGroup(group)
					)
					const declared = new DeclaredRoute()
					// Elysia applies these in order: introspect sees every option of the route (its
					// authn, args and realm too), then the nested macro adds the hooks it needs
					return {
						introspect(hook: Record<string, unknown>) {
							declared.route = declare(compiled, hook)
						},
						authorization: declared
					}
				},
				/** How `authz` authorizes its route; set by `authz` itself, never by routes. */
				authorization(declared: DeclaredRoute) {
					if (!(declared instanceof DeclaredRoute) || declared.route === undefined)
						throw new ConfigError('authorization is set by authz, not by routes')
					const route = declared.route
					function routeOf({ fsa }: { fsa: RequestState }) {
						fsa.route = route
					}
					if (route.immediate) return { seed: declared.seed, transform: routeOf }
					return {
						seed: declared.seed,
						transform: routeOf,
						parse: readRawBody,
						resolve: authorizeLater
					}
				},
				/** The schemes this route accepts, within FSA_AUTH. */
				authn: (value: string | string[]) => ({
					introspect: (hook: Record<string, unknown>) => keepOption(hook, 'authn', value)
				}),
				/** Typed parameters, merged from the path, query, form and JSON body. */
				args: (schema: TObject) => ({
					introspect: (hook: Record<string, unknown>) => keepOption(hook, 'args', schema)
				}),
				/** A realm of its own for this route's challenges and tokens. */
				realm: (realm: string) => ({
					introspect: (hook: Record<string, unknown>) => keepOption(hook, 'realm', realm)
				})
			})
			// synchronous, for the routes authorized at once: Elysia reads the source, and takes a
			// function returning a call's result for an asynchronous one; the routes that wait have
			// a hook of their own
			.resolve({ as: 'global' }, function authorizeImmediately({ fsa, params }) {
				if (fsa.route !== undefined && !fsa.route.immediate) return
				return {
					user: fsa.user,
					args: flow.authorizeNow(fsa, params as Record<string, string> | undefined)
				}
			})
			.mapResponse({ as: 'global' }, addHeaders)
			.onError({ as: 'global' }, async function renderErrors(context) {
				const { code, error, request, set } = context
				// (the context is read whole here: on errors only, where speed matters less)
				if (error instanceof EarlyResponse) return markRendered(finish(auth, error.response, request))
				const state =
					(context as { fsa?: RequestState }).fsa ??
					started.get(request) ??
					refused.get(request) ??
					new RequestState(request, serving)
				const failure = toErrorResponse(code, error, request)
				logRequest(auth, state, failure.status, failure)
				const useFormat =
					settings.handleAllErrors || (failure.status !== 404 && failure.status !== 405)
				const base = Object.fromEntries(
					Object.entries(set.headers as Record<string, string>).filter(
						([name]) => name !== 'content-type'
					)
				)
				return markRendered(finish(auth, renderError(auth, state, failure, base, useFormat), request))
			})
			.onStart(function checkOnStart(app) {
				const { server } = app as AnyElysia
				serving.server = server ?? undefined
				localClientsOnly = loopbackHost(server?.hostname) && settings.trustedProxies.length === 0
				// a loopback address listened on stands for its peers (asking the socket costs)
				serving.localAddress =
					localClientsOnly && server?.hostname !== undefined && isLoopback(server.hostname)
						? server.hostname
						: undefined
				for (const warning of routeChecks.check(app as AnyElysia)) console.warn(warning)
			})
	)
	return { plugin: served, checks: routeChecks }
}
