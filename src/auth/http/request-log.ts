/**
 * The request log: one record per request, given to the `requestLog` hooks when the response is
 * mapped (Elysia's after-response hooks cost more than the rest of the framework on a fast route).
 */
import type { RequestRecord, SimpleAuth } from '../simple-auth'
import type { ErrorResponse } from '../errors'
import type { RequestState } from './state'

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

/** Give the request log its record of a request that ended with `status`. */
export function logRequest(
	auth: SimpleAuth,
	state: RequestState,
	status: number,
	failure?: ErrorResponse
): void {
	if (!auth.hooks.logging) return
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
	auth.hooks.log(record)
}
