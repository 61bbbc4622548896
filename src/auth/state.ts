/**
 * Per-request state: what the route declared (authz, authn, args, realm) and what the
 * checks found (user, scheme, scopes), plus the lazily merged request parameters.
 */
import type { Scheme } from './config'
import type { CompiledAuthz } from './authz'
import type { CompiledArgs } from './params'
import { ErrorResponse } from './errors'
import { mergeParams, readBody, type RawBody, type RequestParams } from './request'
import { clientInfo, type ClientInfo } from './client'
import type { AuthnInput } from './authn/schemes'

export class RequestState implements AuthnInput {
	authz: CompiledAuthz | undefined
	authn: Scheme[] | undefined
	args: CompiledArgs | undefined
	realm: string | undefined
	user: string | null = null
	scheme: Scheme | null = null
	scopes: string[] = []
	/** When the token that authenticated the request expires (seconds since the epoch). */
	tokenExpires: number | undefined
	/** The token that authenticated the request, for a logout to revoke; never logged. */
	token: string | undefined
	#params: RequestParams | undefined
	#paramsError: ErrorResponse | undefined
	#client: ClientInfo | undefined

	constructor(
		readonly request: Request,
		readonly trustedProxies: readonly string[]
	) {}

	get headers(): Headers {
		return this.request.headers
	}

	client(): ClientInfo {
		return (this.#client ??= clientInfo(this.request, this.trustedProxies))
	}

	/** Read and merge the request parameters once. */
	async loadParams(body: unknown, maxBytes: number): Promise<void> {
		if (this.#params || this.#paramsError) return
		let raw = body as RawBody | undefined
		const { request } = this
		if (raw === undefined && request.body !== null && !request.bodyUsed)
			raw = await readBody(request, request.headers.get('content-type') ?? '', maxBytes)
		try {
			this.#params = mergeParams(request.url, raw)
		} catch (error) {
			if (!(error instanceof ErrorResponse)) throw error
			this.#paramsError = error
		}
	}

	/** The merged parameters; throws the 400 of a malformed body. */
	params(): RequestParams {
		if (this.#paramsError) throw this.#paramsError
		if (!this.#params) throw new ErrorResponse('request parameters were not read', 500)
		return this.#params
	}
}
