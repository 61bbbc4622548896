/**
 * The httpd scheme: the user name a trusted reverse proxy put in a header (FSA_HTTPD_HEADER)
 * after authenticating the user itself.
 */
import { ErrorResponse } from '../errors'
import type { AuthnInput, SchemeResult, SchemeServices } from './scheme'

export function httpdScheme(services: SchemeServices, input: AuthnInput): SchemeResult {
	const user = input.headers.get(services.settings.httpdHeader)
	if (user === null) return null
	if (!input.client().viaTrustedProxy)
		throw new ErrorResponse('httpd authentication header from an untrusted peer', 401)
	if (user === '') throw new ErrorResponse('empty httpd user', 401)
	return { user }
}
