/**
 * What every authentication scheme shares: what it may read from a request, what it answers,
 * and what it asks of the framework. A scheme answers who the caller is, or null when the
 * request carries no credentials of its kind (the chain goes on), or throws a 401 when it
 * carries bad ones; at once when it can, else with a promise.
 */
import { ErrorResponse, withDetail } from '../errors'
import type { Settings } from '../config/settings'
import type { TokenIdentity } from '../tokens/tokens'
import type { IssuerTokens } from '../tokens/issuers'
import type { RequestParams } from '../params/request'
import type { ClientInfo } from '../http/client'
import type { MaybePromise } from '../types'

/** What a scheme may read from a request. */
export interface AuthnInput {
	request: Request
	headers: Headers
	/** The merged request parameters; throws a 400 ErrorResponse when the body is malformed. */
	params: () => RequestParams
	client: () => ClientInfo
}

/** Who a scheme found. */
export interface Found {
	user: string
	/** oauth: the token's scopes. */
	scopes?: string[]
	/** token schemes: when the token expires (seconds since the epoch). */
	expires?: number
	/** token schemes: the token itself (for a logout); never logged. */
	token?: string
}

export type SchemeResult = Found | null

/** What the built-in schemes need from the framework. */
export interface SchemeServices {
	settings: Settings
	/** Check a login's password: at once when memory knows the credentials. */
	checkUserPassword(login: string, password: string, address?: string): MaybePromise<void>
	/** Verify a token: at once when memory knows it. */
	verifyToken(token: string, realm: string): MaybePromise<TokenIdentity>
	/** The identity providers of FSA_TOKEN_ISSUERS, when any. */
	readonly issuerTokens?: IssuerTokens
	/** Verify an API key: at once when the application's store answers at once. */
	verifyApiKey(key: string): MaybePromise<Found>
}

/** A scheme of the chain. */
export type Scheme = (
	services: SchemeServices,
	input: AuthnInput,
	realm: string
) => MaybePromise<SchemeResult>

/** The request parameters, where a malformed body hides the credentials: 401 (a body too large stays a 413). */
export function paramsOf(input: AuthnInput): RequestParams {
	try {
		return input.params()
	} catch (error) {
		if (error instanceof ErrorResponse && error.status === 400)
			throw new ErrorResponse(error.message, 401)
		throw error
	}
}

/**
 * Run a check of credentials, then answer `found`; what the check throws carries, for the
 * request log only, who tried (`attempt`: a login, a masked token).
 */
export function afterCheck<T>(
	check: () => MaybePromise<unknown>,
	found: T,
	attempt: () => string
): MaybePromise<T> {
	let pending: MaybePromise<unknown>
	try {
		pending = check()
	} catch (error) {
		throw withDetail(error, attempt())
	}
	if (pending instanceof Promise)
		return pending.then(
			() => found,
			(error) => {
				throw withDetail(error, attempt())
			}
		)
	return found
}
