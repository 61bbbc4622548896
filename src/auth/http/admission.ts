/**
 * What every request passes before its route: its state is made, the body size, FSA_SECURE and
 * a dropped GET body are checked, and the before-request hooks run. A request refused here
 * keeps its state for the error handler.
 */
import type { SimpleAuth } from '../simple-auth'
import { ErrorResponse } from '../errors'
import { RequestState, type ServingContext } from './state'
import { isLoopback } from './client'
import { decorate, finish, toResponse } from './responses'
import { routedRight } from './paths'

/** Elysia routed by another path than the one asked for: refused, never run. */
export const HOST_MESSAGE = 'invalid Host header: the request path cannot be told apart from it'

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

export class Admission {
	readonly serving: ServingContext
	/** Whether the server listens on loopback only and trusts no proxy: then every client is local. */
	#localClientsOnly = false
	/** The state of a request refused before its route ran, for the error handler. */
	readonly #refused = new WeakMap<Request, RequestState>()
	/** With before-request hooks, requests start before routing, and their states wait here. */
	readonly #started = new WeakMap<Request, RequestState>()

	constructor(readonly auth: SimpleAuth) {
		const { settings } = auth
		this.serving = {
			trustedProxies: settings.trustedProxies,
			server: undefined,
			limits: { maxParams: settings.maxParams, maxDepth: settings.maxDepth }
		}
	}

	/** The server the app listens on, once it does (Elysia's onStart). */
	listening(server: (NonNullable<ServingContext['server']> & { hostname?: string }) | undefined): void {
		const { serving } = this
		serving.server = server
		this.#localClientsOnly =
			loopbackHost(server?.hostname) && this.auth.settings.trustedProxies.length === 0
		// a loopback address listened on stands for its peers (asking the socket costs)
		serving.localAddress =
			this.#localClientsOnly && server?.hostname !== undefined && isLoopback(server.hostname)
				? server.hostname
				: undefined
	}

	/** The checks every request passes before its route: body size, FSA_SECURE, a dropped GET body. */
	#admit(state: RequestState): void {
		const { settings } = this.auth
		const { request } = state
		const length = request.headers.get('content-length')
		if (length !== null && Number(length) > settings.maxBody)
			throw new ErrorResponse('request body too large', 413)
		if (settings.secure && !this.#localClientsOnly && !state.url.startsWith('https:')) {
			// the client, as a trusted proxy reports it: a loopback proxy forwarding plain HTTP
			// from afar is refused like the remote client itself
			const { address, secure } = state.client()
			if (!secure && address !== undefined && !isLoopback(address))
				throw new ErrorResponse('insecure HTTP request denied', 403)
		}
		if (lostGetBody(request, length)) throw new ErrorResponse(GET_BODY_MESSAGE, 400)
	}

	/** A request's state, admitted. */
	admitted(request: Request): RequestState {
		const state = new RequestState(request, this.serving)
		try {
			this.#admit(state)
		} catch (error) {
			this.#refused.set(request, state)
			throw error
		}
		return state
	}

	/**
	 * The state of a request whose route (its pattern, as Elysia matched it) was chosen by its
	 * path and by nothing else: else a 400, never the route of another path.
	 */
	routed(request: Request, route: string | undefined): RequestState {
		return this.#checkRoute(this.admitted(request), route)
	}

	/** `routed`, for a request the before-request hooks started (else a new one, admitted). */
	resumed(request: Request, route: string | undefined): RequestState {
		return this.#checkRoute(this.#started.get(request) ?? this.admitted(request), route)
	}

	#checkRoute(state: RequestState, route: string | undefined): RequestState {
		if (!routedRight(state.url, route)) {
			this.#refused.set(state.request, state)
			throw new ErrorResponse(HOST_MESSAGE, 400)
		}
		return state
	}

	/**
	 * Start a request before routing and run the before-request hooks: the first Response ends
	 * the request, with the usual headers (as in Flask).
	 */
	async start(request: Request): Promise<Response | undefined> {
		const state = this.admitted(request)
		this.#started.set(request, state)
		const { auth } = this
		for (const hook of auth.hooks.beforeRequest) {
			const response = await hook(state.request)
			if (response) {
				const headers: Record<string, string> = {}
				decorate(auth, headers, state, response.status)
				return finish(auth, toResponse(response, response.status, headers), state.request)
			}
		}
	}

	/** The state of a request that failed, wherever it failed: for the error handler. */
	stateOf(request: Request, found: RequestState | undefined): RequestState {
		return (
			found ??
			this.#started.get(request) ??
			this.#refused.get(request) ??
			new RequestState(request, this.serving)
		)
	}
}
