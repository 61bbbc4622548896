/**
 * Responses as the framework sends them: the handler's value gets the framework's headers
 * (FSA_ADD_HEADERS, X-Request-Id, the no-store of authenticated routes, FSA-* in debug), the
 * token cookie where that carrier is used, the computed headers and after-request hooks, and
 * the request log its record. Errors are rendered once, in the configured format.
 */
import type { SimpleAuth } from '../simple-auth'
import { ErrorResponse } from '../errors'
import { isEmpty } from '../params/args'
import { readCookie } from '../authn/token'
import type { RequestState } from './state'
import type { Admission } from './admission'
import type { RouteChecks } from './route-checks'
import { logRequest } from './request-log'
import { HOST_MESSAGE } from './admission'
import { routedRight } from './paths'
import { EarlyResponse, decorate, finish, needsFinish, pathOf, renderError, toResponse } from './responses'

/** Responses onError made, headers and after-request hooks included: mapResponse leaves them be. */
const rendered = new WeakSet<Response>()

/** Typed as nothing: error responses do not change what routes answer, for clients such as Eden. */
async function markRendered(response: Promise<Response>): Promise<undefined> {
	const done = await response
	rendered.add(done)
	return done as unknown as undefined
}

interface MapContext {
	set: { status?: unknown; headers: unknown; cookie?: unknown }
	fsa: RequestState | undefined
	responseValue: unknown
}

/** The mapResponse hook of a SimpleAuth's plugin. */
export function responseMapping(auth: SimpleAuth) {
	const { settings } = auth
	const cookieCarrier = settings.token.carrier === 'cookie' && auth.tokens.canCreate

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
	function mapValue({ set, fsa, responseValue }: MapContext): void {
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
	return cookieCarrier || needsFinish(auth)
		? async function addHeaders({ set, fsa, responseValue }: MapContext) {
				return mapResponseAsync({ set, fsa, responseValue })
			}
		: // (returning a property, not a call's result, which Elysia would await)
			function addHeaders({ set, fsa, responseValue }: MapContext): Response | undefined {
				mapValue({ set, fsa, responseValue })
				return fsa?.mapped
			}
}

interface ErrorContext {
	code: unknown
	error: unknown
	request: Request
	set: { headers: unknown }
}

/** The onError hook of a SimpleAuth's plugin: every error rendered once, in the configured format. */
export function errorRendering(auth: SimpleAuth, admission: Admission, routeChecks: RouteChecks) {
	const { settings } = auth

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

	return async function renderErrors(context: ErrorContext) {
		const { code, error, request, set } = context
		// (the context is read whole here: on errors only, where speed matters less)
		if (error instanceof EarlyResponse) return markRendered(finish(auth, error.response, request))
		const state = admission.stateOf(request, (context as { fsa?: RequestState }).fsa)
		const failure = toErrorResponse(code, error, request)
		logRequest(auth, state, failure.status, failure)
		const useFormat = settings.handleAllErrors || (failure.status !== 404 && failure.status !== 405)
		const base = Object.fromEntries(
			Object.entries(set.headers as Record<string, string>).filter(([name]) => name !== 'content-type')
		)
		return markRendered(finish(auth, renderError(auth, state, failure, base, useFormat), request))
	}
}
