/**
 * Where the token scheme finds a token: the Authorization header (bearer), a request
 * parameter, a cookie, or a header of its own.
 */
import type { TokenSettings } from '../config/settings'
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
