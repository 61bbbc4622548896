/**
 * What the framework adds to responses: FSA-* headers, FSA_ADD_HEADERS, challenges on 401,
 * the token cookie, and errors rendered in the FSA_ERROR_RESPONSE format.
 */
import type { SimpleAuth } from '../simple-auth'
import type { RequestState } from './state'
import { ErrorResponse, renderErrorBody } from '../errors'
import { basicChallenge } from '../authn/basic'
import { bearerChallenge } from '../authn/token'
export { pathOf } from './paths'

/** The WWW-Authenticate value of a 401: one challenge per scheme that has one, sorted. */
export function challenge(auth: SimpleAuth, state: RequestState | undefined): string | undefined {
	const { settings } = auth
	const schemes = state?.route?.schemes ?? settings.authDefault
	const realm = state?.route?.realm ?? settings.realm
	const challenges: string[] = []
	if (schemes.includes('basic')) challenges.push(basicChallenge(realm))
	if ((schemes.includes('token') || schemes.includes('oauth')) && settings.token.carrier === 'bearer') {
		const tokenRealm = settings.token.type === 'fsa' ? auth.tokens.fsaRealm(realm) : realm
		challenges.push(bearerChallenge(settings.token.name, tokenRealm))
	}
	return challenges.length > 0 ? challenges.sort().join(', ') : undefined
}

/** Add the fixed headers of every response: FSA_ADD_HEADERS, the challenge, FSA-* in dev mode. */
export function decorate(
	auth: SimpleAuth,
	headers: Record<string, string>,
	state: RequestState,
	status: number
): void {
	const { settings } = auth
	Object.assign(headers, settings.addHeaders)
	headers['x-content-type-options'] = 'nosniff'
	headers['x-request-id'] = state.id
	// what a route needing authentication answers is for its caller only
	if (state.route && !state.route.authz.open && headers['cache-control'] === undefined)
		headers['cache-control'] = 'no-store'
	if (status === 401) {
		const value = challenge(auth, state)
		if (value) headers['www-authenticate'] = value
	}
	if (settings.level >= 2) {
		const { request } = state
		headers['fsa-request'] = `${request.method} ${state.path}`
		headers['fsa-user'] = state.user ? `${state.user} (${state.scheme})` : 'None (None)'
		headers['fsa-delay'] = ((performance.now() - state.start) / 1000).toFixed(6)
	}
}

/** Apply computed headers and after-request hooks to a finished response. */
export async function finish(auth: SimpleAuth, response: Response, request: Request): Promise<Response> {
	for (const [name, value] of Object.entries(auth.hooks.headers)) {
		const computed = typeof value === 'function' ? value(response, request) : value
		if (computed) response.headers.set(name, computed)
	}
	for (const hook of auth.hooks.afterRequest) response = (await hook(response, request)) ?? response
	return response
}

/** Whether responses must go through `finish`. */
export function needsFinish(auth: SimpleAuth): boolean {
	return Object.keys(auth.hooks.headers).length > 0 || auth.hooks.afterRequest.length > 0
}

/** Render an error; a 401 becomes a redirect to the login page when FSA_401_REDIRECT is set. */
export function renderError(
	auth: SimpleAuth,
	state: RequestState,
	error: ErrorResponse,
	base: Record<string, string>,
	useFormat: boolean
): Response {
	const { settings } = auth
	const { request } = state
	const { redirect401, urlName } = settings
	if (error.status === 401 && redirect401) {
		let location = redirect401
		if (request.method === 'GET')
			location += `${redirect401.includes('?') ? '&' : '?'}${urlName}=${encodeURIComponent(request.url)}`
		const headers: Record<string, string> = { ...base, location }
		decorate(auth, headers, state, 307)
		return new Response(null, { status: 307, headers })
	}
	const { body, contentType } = useFormat
		? renderErrorBody(settings.errorFormat, error.message)
		: { body: error.message, contentType: 'text/plain; charset=utf-8' }
	const headers: Record<string, string> = { ...base, ...error.headers, 'content-type': contentType }
	decorate(auth, headers, state, error.status)
	return new Response(request.method === 'HEAD' ? null : body, { status: error.status, headers })
}

/** A Response from a handler's value, for the hooks that need a Response. */
export function toResponse(value: unknown, status: number, headers: Record<string, string>): Response {
	if (value instanceof Response) {
		for (const [name, content] of Object.entries(headers))
			if (!value.headers.has(name)) value.headers.set(name, content)
		return value
	}
	if (value === undefined || value === null) return new Response(null, { status, headers })
	if (
		typeof value === 'string' ||
		value instanceof Uint8Array ||
		value instanceof ArrayBuffer ||
		value instanceof Blob
	)
		return new Response(value, { status, headers })
	return new Response(JSON.stringify(value), {
		status,
		headers: { 'content-type': 'application/json;charset=utf-8', ...headers }
	})
}

/** An error carrying a complete response (a before-exec hook's answer). */
export class EarlyResponse extends Error {
	constructor(readonly response: Response) {
		super('early response')
	}
}
