/**
 * The token scheme, and where it finds a token: the Authorization header (bearer), a request
 * parameter, a cookie, or a header of its own.
 */
import { ErrorResponse, maskToken, withDetail } from '../errors'
import type { TokenSettings } from '../config/settings'
import type { TokenIdentity } from '../tokens/tokens'
import type { MaybePromise } from '../types'
import type { AuthnInput, Found, SchemeResult, SchemeServices } from './scheme'
import type { RequestParams } from '../params/request'
import { hasScheme } from './basic'

/** The value of one cookie of a Cookie header, or undefined. */
export function readCookie(header: string | null, name: string): string | undefined {
	if (!header) return undefined
	for (const pair of header.split(';')) {
		const equals = pair.indexOf('=')
		if (equals === -1 || pair.slice(0, equals).trim() !== name) continue
		const value = pair.slice(equals + 1).trim()
		try {
			return decodeURIComponent(
				value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
			)
		} catch {
			return undefined
		}
	}
	return undefined
}

/** The raw token of a request, or undefined when its carrier holds none. */
export function extractToken(
	settings: TokenSettings,
	request: { headers: Headers; params(): RequestParams }
): string | undefined {
	const { headers } = request
	switch (settings.carrier) {
		case 'bearer': {
			const header = headers.get('authorization')
			if (!header || !hasScheme(header, settings.name)) return undefined
			const token = header.slice(settings.name.length + 1).trim()
			return token === '' ? undefined : token
		}
		case 'header':
			return headers.get(settings.name) || undefined
		case 'cookie':
			return readCookie(headers.get('cookie'), settings.name) || undefined
		case 'param':
			return request.params().getString(settings.name) || undefined
	}
}

/** The value of a bearer challenge. */
export function bearerChallenge(name: string, realm: string): string {
	return `${name} realm="${realm.replace(/["\\]/g, '\\$&')}"`
}

/**
 * The token scheme: a token of this service (fsa or JWT, FSA_TOKEN_TYPE) from its carrier,
 * verified for the route's realm; a request whose carrier holds none goes on down the chain.
 */
export function tokenScheme(
	services: SchemeServices,
	input: AuthnInput,
	realm: string
): MaybePromise<SchemeResult> {
	let token: string | undefined
	try {
		token = extractToken(services.settings.token, input)
	} catch (error) {
		// a carrier that cannot be read (a malformed body) holds no token
		if (error instanceof ErrorResponse) return null
		throw error
	}
	if (token === undefined) return null
	const presented = token
	let verified: MaybePromise<TokenIdentity>
	try {
		verified = services.verifyToken(presented, realm)
	} catch (error) {
		throw withDetail(error, `token ${maskToken(presented)}`)
	}
	const found = (identity: TokenIdentity): Found => ({
		user: identity.user,
		expires: identity.expires,
		scopes: identity.scopes,
		token: presented
	})
	if (verified instanceof Promise)
		return verified.then(found, (error) => {
			throw withDetail(error, `token ${maskToken(presented)}`)
		})
	return found(verified)
}
