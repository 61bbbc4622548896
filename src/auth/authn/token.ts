/**
 * Where the token scheme finds a token: the Authorization header (bearer), a request
 * parameter, or a header of its own.
 */
import type { TokenSettings } from '../config'
import type { RequestParams } from '../request'
import { hasScheme } from './basic'

/** The raw token of a request, or undefined when its carrier holds none. */
export function extractToken(
	settings: TokenSettings,
	headers: Headers,
	params: () => RequestParams
): string | undefined {
	switch (settings.carrier) {
		case 'bearer': {
			const header = headers.get('authorization')
			if (!header || !hasScheme(header, settings.name)) return undefined
			const token = header.slice(settings.name.length + 1).trim()
			return token === '' ? undefined : token
		}
		case 'header':
			return headers.get(settings.name) ?? undefined
		case 'param':
			return params().getString(settings.name)
	}
}

/** The value of a bearer challenge. */
export function bearerChallenge(name: string, realm: string): string {
	return `${name} realm="${realm.replace(/["\\]/g, '\\$&')}"`
}
