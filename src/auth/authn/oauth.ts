/**
 * The oauth scheme: a bearer JWT whose `scope` claim grants the route's scopes (its authz
 * names scopes where other routes name groups). A token of an identity provider of
 * FSA_TOKEN_ISSUERS is verified with that provider's keys; any other is found and verified as
 * the token scheme does; the scopes are checked by authorization.
 */
import { ErrorResponse, maskToken, withDetail } from '../errors'
import type { TokenIdentity } from '../tokens/tokens'
import type { MaybePromise } from '../types'
import type { AuthnInput, SchemeResult, SchemeServices } from './scheme'
import { extractToken, tokenScheme } from './token'

export function oauthScheme(
	services: SchemeServices,
	input: AuthnInput,
	realm: string
): MaybePromise<SchemeResult> {
	const { issuerTokens, settings } = services
	if (issuerTokens === undefined) return tokenScheme(services, input, realm)
	let token: string | undefined
	try {
		token = extractToken(settings.token, input)
	} catch (error) {
		// a carrier that cannot be read (a malformed body) holds no token
		if (error instanceof ErrorResponse) return null
		throw error
	}
	if (token === undefined) return null
	const issuer = issuerTokens.issuerOf(token)
	if (issuer === undefined) {
		// this service's own JWTs, when it makes oauth tokens of its own
		if (settings.token.type === 'jwt' && settings.token.issuer !== undefined)
			return tokenScheme(services, input, realm)
		throw withDetail(new ErrorResponse('unknown token issuer', 401), `token ${maskToken(token)}`)
	}
	const presented = token
	return issuerTokens.verify(presented, issuer).then(
		(identity: TokenIdentity) => ({
			user: identity.user,
			expires: identity.expires,
			scopes: identity.scopes
		}),
		(error) => {
			throw withDetail(error, `token ${maskToken(presented)}`)
		}
	)
}
