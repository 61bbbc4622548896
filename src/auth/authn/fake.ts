/**
 * The fake scheme, for tests: the login from a parameter (FSA_FAKE_LOGIN), accepted only from
 * a loopback socket.
 */
import { ErrorResponse } from '../errors'
import { isLoopback } from '../http/client'
import { paramsOf, type AuthnInput, type SchemeResult, type SchemeServices } from './scheme'

export function fakeScheme(services: SchemeServices, input: AuthnInput): SchemeResult {
	const login = paramsOf(input).getString(services.settings.fakeLogin)
	if (login === undefined) return null
	const { socket } = input.client()
	if (socket === undefined || !isLoopback(socket))
		throw new ErrorResponse('fake authentication is local only', 401)
	if (login === '') throw new ErrorResponse('invalid fake login', 401)
	return { user: login }
}
