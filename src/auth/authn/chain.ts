/**
 * The authentication chain: a route's schemes tried in order, the first that finds valid
 * credentials wins. It answers at once while every scheme does (a known token, known
 * credentials, no credentials of a kind), and goes on with a promise from the first that waits.
 */
import { ErrorResponse } from '../errors'
import type { Scheme as SchemeName } from '../config/settings'
import type { MaybePromise } from '../types'
import type { AuthnInput, Found, SchemeResult } from './scheme'

/** Who authenticated a request, and by which scheme. */
export interface Authenticated extends Found {
	scheme: SchemeName
}

/** Runs one scheme of the chain for a request and a realm. */
export type RunScheme = (scheme: SchemeName, input: AuthnInput, realm: string) => MaybePromise<SchemeResult>

/** A scheme's 401 is remembered and the chain goes on; any other error ends it. */
function keepFailure(error: unknown, failure: ErrorResponse | undefined): ErrorResponse {
	if (!(error instanceof ErrorResponse) || error.status !== 401) throw error
	return failure ?? error
}

/**
 * Who a scheme found, and which scheme: in one shape whatever the scheme, so that the code
 * reading it after the chain sees one kind of object.
 */
function authenticated(found: Found, scheme: SchemeName): Authenticated {
	const { user, scopes, expires, token } = found
	return { user, scheme, scopes, expires, token }
}

/**
 * Try the schemes in order.
 * @throws ErrorResponse 401: the reason given by the first scheme that found bad credentials,
 * or "missing authentication" when none found any
 */
export function authenticate(
	run: RunScheme,
	input: AuthnInput,
	schemes: readonly SchemeName[],
	realm: string
): MaybePromise<Authenticated> {
	let failure: ErrorResponse | undefined
	for (let index = 0; index < schemes.length; index++) {
		const scheme = schemes[index]
		let found: MaybePromise<SchemeResult>
		try {
			found = run(scheme, input, realm)
		} catch (error) {
			failure = keepFailure(error, failure)
			continue
		}
		if (found instanceof Promise) return waitFrom(run, input, schemes, realm, index, found, failure)
		if (found !== null) return authenticated(found, scheme)
	}
	throw failure ?? new ErrorResponse('missing authentication', 401)
}

/** The rest of the chain, from the scheme at `index` that waits. */
async function waitFrom(
	run: RunScheme,
	input: AuthnInput,
	schemes: readonly SchemeName[],
	realm: string,
	index: number,
	pending: Promise<SchemeResult>,
	failure: ErrorResponse | undefined
): Promise<Authenticated> {
	for (; index < schemes.length; index++) {
		const scheme = schemes[index]
		let found: SchemeResult
		try {
			found = await (pending ?? run(scheme, input, realm))
		} catch (error) {
			failure = keepFailure(error, failure)
			continue
		} finally {
			pending = undefined!
		}
		if (found !== null) return authenticated(found, scheme)
	}
	throw failure ?? new ErrorResponse('missing authentication', 401)
}
