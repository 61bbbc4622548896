/**
 * The Elysia plugin: route options `authz`, `authn`, `args` and `realm`, the request
 * flow in FlaskSimpleAuth's order (401, 403 groups, 400 parameters, 404/403 objects),
 * response headers and error rendering.
 */
import { Elysia, type AnyElysia } from 'elysia'
import type { TObject } from '@sinclair/typebox'
import { SimpleAuth } from './core'
import { expandSchemes, type Scheme } from './config'
import { ConfigError, ErrorResponse, renderErrorBody } from './errors'
import { compileAuthz, type AuthzRule, type CompiledAuthz } from './authz'
import { compileArgs, fillArgs, type CompiledArgs } from './params'
import { mergeParams, readBody, type RawBody, type RequestParams } from './request'
import { basicChallenge } from './authn/basic'
import { bearerChallenge } from './authn/token'

/** What the route options of one request declared, and what the checks found. */
export class RequestState {
	authz: CompiledAuthz | undefined
	authn: Scheme[] | undefined
	args: CompiledArgs | undefined
	realm: string | undefined
	user: string | null = null
	scheme: Scheme | null = null
	#params: RequestParams | undefined
	#paramsError: ErrorResponse | undefined

	constructor(readonly request: Request) {}

	get headers(): Headers {
		return this.request.headers
	}

	/** Read and merge the request parameters once. */
	async loadParams(body: unknown): Promise<void> {
		if (this.#params || this.#paramsError) return
		let raw = body as RawBody | undefined
		const { request } = this
		if (raw === undefined && request.body !== null && !request.bodyUsed)
			raw = await readBody(request, request.headers.get('content-type') ?? '')
		try {
			this.#params = mergeParams(request.url, raw)
		} catch (error) {
			if (!(error instanceof ErrorResponse)) throw error
			this.#paramsError = error
		}
	}

	/** The merged parameters; throws the 400 of a malformed body. */
	params = (): RequestParams => {
		if (this.#paramsError) throw this.#paramsError
		return this.#params!
	}
}

const startTimes = new WeakMap<Request, number>()
const GET_BODY_MESSAGE =
	'this server drops the body of GET requests: send the parameters in the query string (curl -G -d ...), ' +
	'or start the service with --transport node'

/** A GET or HEAD that announced a body the server discarded. */
function lostGetBody(request: Request): boolean {
	if (request.method !== 'GET' && request.method !== 'HEAD') return false
	if (request.body !== null) return false
	const length = request.headers.get('content-length')
	return (
		(length !== null && length !== '0') || /chunked/i.test(request.headers.get('transfer-encoding') ?? '')
	)
}

function pathOf(url: string): string {
	const start = url.indexOf('/', url.indexOf('//') + 2)
	const query = url.indexOf('?', start)
	return query === -1 ? url.slice(start) : url.slice(start, query)
}

interface RouteIndex {
	method: string
	pattern: RegExp
}

function routePattern(path: string): RegExp {
	const source = path
		.split('/')
		.map((part) =>
			part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
		)
		.join('/')
	return new RegExp(`^${source}/?$`)
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
export function simpleAuth(auth: SimpleAuth) {
	const { settings } = auth
	const routes: RouteIndex[] = []

	function challenge(state: RequestState | undefined): string | undefined {
		const schemes = state?.authn ?? settings.authDefault
		const realm = state?.realm ?? settings.realm
		const challenges: string[] = []
		if (schemes.includes('basic')) challenges.push(basicChallenge(realm))
		if (schemes.includes('token') && settings.token.carrier === 'bearer')
			challenges.push(
				bearerChallenge(
					settings.token.name,
					settings.token.type === 'fsa' ? auth.tokens.fsaRealm(realm) : realm
				)
			)
		return challenges.length > 0 ? challenges.sort().join(', ') : undefined
	}

	function decorate(
		headers: Record<string, string>,
		request: Request,
		state: RequestState | undefined,
		status: number
	): void {
		Object.assign(headers, settings.addHeaders)
		if (status === 401) {
			const value = challenge(state)
			if (value) headers['www-authenticate'] = value
		}
		if (settings.level >= 2) {
			headers['fsa-request'] = `${request.method} ${pathOf(request.url)}`
			headers['fsa-user'] = state?.user ? `${state.user} (${state.scheme})` : 'None (None)'
			const start = startTimes.get(request)
			if (start !== undefined) headers['fsa-delay'] = ((performance.now() - start) / 1000).toFixed(6)
		}
	}

	function allowedMethods(path: string): string[] {
		const methods = new Set<string>()
		for (const route of routes) if (route.pattern.test(path)) methods.add(route.method)
		if (methods.has('GET')) methods.add('HEAD')
		return [...methods].sort()
	}

	function errorResponse(
		request: Request,
		state: RequestState | undefined,
		error: ErrorResponse
	): Response {
		const { body, contentType } = renderErrorBody(settings.errorFormat, error.message)
		const headers: Record<string, string> = { ...error.headers, 'content-type': contentType }
		decorate(headers, request, state, error.status)
		return new Response(request.method === 'HEAD' ? null : body, { status: error.status, headers })
	}

	function toErrorResponse(code: unknown, error: unknown, request: Request): ErrorResponse {
		if (error instanceof ErrorResponse) return error
		if (code === 'NOT_FOUND') {
			const allow = allowedMethods(pathOf(request.url))
			if (allow.length > 0)
				return new ErrorResponse('method not allowed', 405, { allow: allow.join(', ') })
			return new ErrorResponse('not found', 404)
		}
		if (code === 'PARSE' || code === 'VALIDATION') return new ErrorResponse('invalid request', 400)
		console.error(`internal error on ${request.method} ${pathOf(request.url)}:`, error)
		return new ErrorResponse('internal error', settings.serverError)
	}

	const effectiveSchemes = (state: RequestState): readonly Scheme[] => state.authn ?? settings.authDefault

	async function authorize(state: RequestState, body: unknown, pathParams: Record<string, string>) {
		const rule = state.authz
		if (!rule) throw new ErrorResponse('currently closed route', 403)
		if (rule.close) throw new ErrorResponse('currently closed route', 403)
		const schemes = effectiveSchemes(state)
		const needsParams =
			state.args !== undefined ||
			settings.rejectUnexpectedParam ||
			schemes.includes('param') ||
			(schemes.includes('token') && settings.token.carrier === 'param')
		if (needsParams) await state.loadParams(body)
		if (!(rule.open && schemes.includes('none'))) {
			const found = await auth.authenticate(state, schemes, state.realm)
			state.user = found.user
			state.scheme = found.scheme
			await auth.checkGroups(found.user, rule.groups)
		}
		let args: Record<string, unknown> = {}
		if (needsParams)
			args = fillArgs(
				state.args,
				pathParams,
				state.params(),
				authParams(schemes),
				settings.rejectUnexpectedParam
			)
		for (const permission of rule.permissions) {
			const values = permission.variables.map((name) => (name in args ? args[name] : pathParams[name]))
			await auth.checkPermission(state.user!, permission, values)
		}
		return args
	}

	function authParams(schemes: readonly Scheme[]): Set<string> {
		const names = new Set<string>()
		if (schemes.includes('param')) names.add(settings.paramUser).add(settings.paramPass)
		if (schemes.includes('token') && settings.token.carrier === 'param') names.add(settings.token.name)
		return names
	}

	function checkAuthn(value: string | string[]): Scheme[] {
		const schemes = expandSchemes('authn', value, false)
		for (const scheme of schemes)
			if (!settings.auth.includes(scheme))
				throw new ConfigError(
					`authn names "${scheme}", which FSA_AUTH does not enable (${settings.auth.join(', ')})`
				)
		return schemes
	}

	routeCheckers.set(auth, checkRoutes)
	return new Elysia({ name: 'simple-auth', seed: settings.realm })
		.decorate('auth', auth)
		.onRequest(function checkRequest({ request }) {
			if (settings.level >= 2) startTimes.set(request, performance.now())
			if (lostGetBody(request)) throw new ErrorResponse(GET_BODY_MESSAGE, 400)
		})
		.onParse({ as: 'global' }, function readRawBody({ request }, contentType) {
			return readBody(request, contentType)
		})
		.derive({ as: 'global' }, function requestState({ request }) {
			return { fsa: new RequestState(request) }
		})
		.macro({
			/** Who may call the route: OPEN, AUTH, CLOSE, a group, or `[domain, variables, mode]`. */
			authz(rule: AuthzRule) {
				const compiled = compileAuthz(
					rule,
					(domain) => auth.hasDomain(domain),
					(group) => auth.hasGroup(group)
				)
				return {
					detail: { 'x-authz': compiled.label } as Record<string, unknown>,
					transform({ fsa }) {
						fsa.authz = compiled
					}
				}
			},
			/** The schemes this route accepts, within FSA_AUTH. */
			authn(value: string | string[]) {
				const schemes = checkAuthn(value)
				return {
					detail: { 'x-authn': schemes } as Record<string, unknown>,
					transform({ fsa }) {
						fsa.authn = schemes
					}
				}
			},
			/** Typed parameters, merged from the path, query, form and JSON body. */
			args(schema: TObject) {
				const compiled = compileArgs(schema)
				return {
					detail: { 'x-args': [...compiled.names] } as Record<string, unknown>,
					transform({ fsa }) {
						fsa.args = compiled
					}
				}
			},
			/** A realm of its own for this route's challenges and tokens. */
			realm(realm: string) {
				return {
					detail: { 'x-realm': realm } as Record<string, unknown>,
					transform({ fsa }) {
						fsa.realm = realm
					}
				}
			}
		})
		.resolve({ as: 'global' }, async function authorizeRequest({ fsa, body, params }) {
			const args = await authorize(fsa, body, (params ?? {}) as Record<string, string>)
			return { user: fsa.user, args: args as Record<string, any> }
		})
		.mapResponse({ as: 'global' }, function addHeaders({ request, set, fsa, responseValue }) {
			const status = typeof set.status === 'number' ? set.status : 200
			const headers = set.headers as Record<string, string>
			if (typeof responseValue === 'string' && headers['content-type'] === undefined)
				headers['content-type'] = 'text/plain; charset=utf-8'
			decorate(headers, request, fsa, status)
		})
		.onError({ as: 'global' }, function renderError(context) {
			const { code, error, request } = context
			const state = (context as { fsa?: RequestState }).fsa
			return errorResponse(request, state, toErrorResponse(code, error, request))
		})
		.onStart(function checkOnStart(app) {
			for (const warning of checkRoutes(app as AnyElysia)) console.warn(warning)
		})

	/**
	 * Check the application's routes: warn about routes without `authz` (closed), refuse
	 * object permissions whose variables are not route parameters. Run at start; call it in
	 * tests that use `app.handle`. Returns the warnings.
	 */
	function checkRoutes(app: AnyElysia): string[] {
		const warnings: string[] = []
		routes.length = 0
		for (const route of app.routes) {
			const detail = (route.hooks?.detail ?? {}) as Record<string, unknown>
			if (detail.hide) continue
			routes.push({ method: route.method, pattern: routePattern(route.path) })
			const label = `${route.method} ${route.path}`
			if (detail['x-authz'] === undefined) {
				warnings.push(`route without authz, closed (403): ${label}`)
				continue
			}
			const authn = (detail['x-authn'] as Scheme[] | undefined) ?? settings.authDefault
			if (detail['x-authz'] === 'OPEN' && !authn.includes('none'))
				warnings.push(`OPEN route without the none scheme requires authentication: ${label}`)
		}
		return warnings
	}
}

const routeCheckers = new WeakMap<SimpleAuth, (app: AnyElysia) => string[]>()

/**
 * Run the start-up route checks of the `simpleAuth` plugin that `app` uses, and return
 * the warnings; `listen` runs them by itself, tests using `app.handle` call this.
 */
export function checkRoutes(app: AnyElysia): string[] {
	const auth = (app.decorator as { auth?: SimpleAuth }).auth
	const checker = auth && routeCheckers.get(auth)
	if (!checker) throw new ConfigError('this application does not use the simpleAuth plugin')
	return checker(app)
}
