/**
 * Custom schemes (FlaskSimpleAuth's FSA_AUTHENTICATION): an application function that answers
 * the login, or null when the request carries no credentials of its kind.
 */
import { ErrorResponse } from '../errors'
import { callHook } from '../hooks'
import type { AuthenticationScheme, MaybePromise } from '../types'
import type { AuthnInput, SchemeResult } from './scheme'

/** Run a custom scheme; what it answers that is not a login nor nothing is an internal error. */
export function customScheme(
	name: string,
	scheme: AuthenticationScheme,
	input: AuthnInput,
	serverError: number
): MaybePromise<SchemeResult> {
	const found = (user: string | null | undefined): SchemeResult => {
		if (user === null || user === undefined) return null
		if (typeof user !== 'string' || user === '')
			throw new ErrorResponse(`internal error with authentication scheme ${name}`, serverError)
		return { user }
	}
	const answer = callHook(`authentication scheme ${name}`, serverError, () => scheme(input))
	return answer instanceof Promise ? answer.then(found) : found(answer)
}
