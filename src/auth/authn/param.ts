/**
 * The param scheme: the login and password in request parameters (FSA_PARAM_USER,
 * FSA_PARAM_PASS), from the query string, a form or a JSON body.
 */
import { ErrorResponse } from '../errors'
import type { MaybePromise } from '../types'
import { afterCheck, paramsOf, type AuthnInput, type SchemeResult, type SchemeServices } from './scheme'

export function paramScheme(services: SchemeServices, input: AuthnInput): MaybePromise<SchemeResult> {
	const { paramUser, paramPass } = services.settings
	const params = paramsOf(input)
	const login = params.getString(paramUser)
	if (login === undefined) return null
	const password = params.getString(paramPass)
	if (password === undefined) throw new ErrorResponse(`missing param password parameter: ${paramPass}`, 401)
	if (login === '') throw new ErrorResponse('invalid user or password', 401)
	return afterCheck(
		() => services.checkUserPassword(login, password, input.client().address),
		{ user: login },
		() => `login ${JSON.stringify(login)}`
	)
}
