/**
 * The oauth scheme: a bearer JWT whose `scope` claim grants the route's scopes (its authz
 * names scopes where other routes name groups). The token is found and verified as the token
 * scheme does; the scopes are checked by authorization.
 */
import type { MaybePromise } from '../types'
import type { AuthnInput, SchemeResult, SchemeServices } from './scheme'
import { tokenScheme } from './token'

export function oauthScheme(
	services: SchemeServices,
	input: AuthnInput,
	realm: string
): MaybePromise<SchemeResult> {
	return tokenScheme(services, input, realm)
}
