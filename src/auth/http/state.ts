/**
 * Per-request state: when the request started and its id, the route's declaration, what the checks found (user, scheme, scopes), and what is worked out
 * only when asked (the client's address, the merged request parameters).
 */
import type { Scheme } from '../config/settings'
import type { RouteDeclaration } from './declaration'
import { ErrorResponse } from '../errors'
import {
	EMPTY_PARAMS,
	mergeParams,
	readBody,
	type ParamLimits,
	type RawBody,
	type RequestParams
} from '../params/request'
import { clientInfo, socketAddress, type ClientInfo } from './client'
import type { AuthnInput } from '../authn/scheme'
import { pathOf } from './paths'

/** What every request of one plugin shares: the trusted proxies, and the server once it listens. */
export interface ServingContext {
	trustedProxies: readonly string[]
	/**
	 * The address of every peer when the server listens on a loopback address and trusts no
	 * proxy: only local clients can connect, and they count as this one address.
	 */
	localAddress?: string
	/** The server asked for socket addresses; none under `app.handle` or the node transport. */
	server: { requestIP(request: Request): { address: string } | null } | undefined
	/** FSA_MAX_PARAMS and FSA_MAX_DEPTH; their defaults without it. */
	limits?: ParamLimits
}

/** The scopes of a request that no oauth token authenticated: shared, never changed. */
export const NO_SCOPES: readonly string[] = Object.freeze([])

const REQUEST_ID = /^[\w.:-]{1,128}$/
/** Ids made here: a random prefix per process (instances differ) and a counter. */
const ID_PREFIX = Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString('hex')
let idCounter = 0

/** The id of a request: a valid incoming X-Request-Id, or a new one unique among instances. */
function requestId(request: Request): string {
	const incoming = request.headers.get('x-request-id')
	return incoming !== null && REQUEST_ID.test(incoming)
		? incoming
		: `${ID_PREFIX}-${(++idCounter).toString(36)}`
}

export class RequestState implements AuthnInput {
	/** When the request started (performance.now()). */
	readonly start = performance.now()
	/** The request's id, returned in X-Request-Id and logged. */
	readonly id: string
	/** The declaration of the route that serves the request; undefined on an undeclared route. */
	route: RouteDeclaration | undefined
	user: string | null = null
	/** The Response the framework made of the handler's value, when it made one. */
	mapped: Response | undefined
	/** The route's typed arguments, once filled. */
	values: Record<string, unknown> | undefined
	scheme: Scheme | null = null
	scopes: readonly string[] = NO_SCOPES
	/** When the token that authenticated the request expires (seconds since the epoch). */
	tokenExpires: number | undefined
	/** The token that authenticated the request, for a logout to revoke; never logged. */
	token: string | undefined
	#params: RequestParams | undefined
	#paramsError: ErrorResponse | undefined
	#client: ClientInfo | undefined
	#url: string | undefined

	constructor(
		readonly request: Request,
		readonly serving: ServingContext
	) {
		this.id = requestId(request)
	}

	get headers(): Headers {
		return this.request.headers
	}

	/** The request's URL, read once (Bun makes the string on each read). */
	get url(): string {
		return (this.#url ??= this.request.url)
	}

	/** The request's path, without the query string. */
	get path(): string {
		return pathOf(this.url)
	}

	/** The socket peer's address: as a transport or test recorded it, else as the server knows it. */
	socket(): string | undefined {
		const { serving } = this
		return (
			socketAddress(this.request) ??
			serving.localAddress ??
			serving.server?.requestIP(this.request)?.address
		)
	}

	/** The client's address: the socket's peer, or what a trusted proxy reports. */
	clientAddress(): string | undefined {
		return this.client().address
	}

	client(): ClientInfo {
		return (this.#client ??= clientInfo(
			this.request,
			this.socket(),
			this.serving.trustedProxies,
			this.url
		))
	}

	/** Read and merge the request parameters once; a promise only when a body must be read. */
	loadParams(body: unknown, maxBytes: number): Promise<void> | undefined {
		if (this.#params || this.#paramsError) return undefined
		const raw = body as RawBody | undefined
		const { request } = this
		if (raw === undefined && request.body !== null && !request.bodyUsed)
			return readBody(request, request.headers.get('content-type') ?? '', maxBytes).then((read) =>
				this.#merge(read)
			)
		this.#merge(raw)
		return undefined
	}

	#merge(raw: RawBody | undefined): void {
		const { url } = this
		if (raw === undefined && !url.includes('?')) {
			// no body and no query string: most GET requests
			this.#params = EMPTY_PARAMS
			return
		}
		try {
			this.#params = mergeParams(url, raw, this.serving.limits)
		} catch (error) {
			if (!(error instanceof ErrorResponse)) throw error
			this.#paramsError = error
		}
	}

	/** Read the parameters of the query string only, for a route that reads no body. */
	loadQuery(): void {
		const { url } = this
		this.#params = url.includes('?') ? mergeParams(url, undefined, this.serving.limits) : EMPTY_PARAMS
	}

	/** The merged parameters; throws the 400 of a malformed body. */
	params(): RequestParams {
		if (this.#paramsError) throw this.#paramsError
		if (!this.#params) throw new ErrorResponse('request parameters were not read', 500)
		return this.#params
	}
}
