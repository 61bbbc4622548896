/**
 * The basic scheme (RFC 7617): parsing of the Authorization header as a pure function, and the
 * scheme itself.
 */
import { ErrorResponse } from '../errors'
import type { MaybePromise } from '../types'
import { afterCheck, type AuthnInput, type SchemeResult, type SchemeServices } from './scheme'

export type BasicCredentials = { ok: true; user: string; password: string } | { ok: false; reason: string }

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Whether an Authorization header uses the scheme `name`: ASCII letters compared without case
 * (RFC 9110 scheme names are tokens), then a space. No copy of the header is made.
 */
export function hasScheme(header: string, name: string): boolean {
	const length = name.length
	if (header.length <= length || header.charCodeAt(length) !== 32) return false
	for (let index = 0; index < length; index++) {
		const got = header.charCodeAt(index)
		const want = name.charCodeAt(index)
		if (got !== want && lowerAscii(got) !== lowerAscii(want)) return false
	}
	return true
}

const lowerAscii = (code: number) => (code >= 65 && code <= 90 ? code + 32 : code)

/**
 * Parse `Basic base64(user:password)` strictly: the base64 must be canonical, the text valid
 * UTF-8 without control characters, the user not empty; the password may contain ":".
 */
export function parseBasicAuthorization(header: string): BasicCredentials {
	if (!hasScheme(header, 'Basic')) return { ok: false, reason: 'unexpected authorization header' }
	const encoded = header.slice(6).trim()
	if (encoded === '' || !BASE64.test(encoded))
		return { ok: false, reason: 'decoding error on authorization header' }
	const bytes = Buffer.from(encoded, 'base64')
	// non-zero padding bits decode like the canonical form: refuse them (many spellings, one value)
	if (bytes.toString('base64') !== encoded)
		return { ok: false, reason: 'decoding error on authorization header' }
	let decoded: string
	try {
		decoded = utf8.decode(bytes)
	} catch {
		return { ok: false, reason: 'decoding error on authorization header' }
	}
	const colon = decoded.indexOf(':')
	if (colon <= 0 || CONTROL.test(decoded))
		return { ok: false, reason: 'decoding error on authorization header' }
	return { ok: true, user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/** The value of a basic challenge. */
export function basicChallenge(realm: string): string {
	return `Basic realm="${realm.replace(/["\\]/g, '\\$&')}", charset="UTF-8"`
}

/** The basic scheme: `Authorization: Basic base64(login:password)`, checked against the stored hash. */
export function basicScheme(services: SchemeServices, input: AuthnInput): MaybePromise<SchemeResult> {
	const header = input.headers.get('authorization')
	if (header === null || !hasScheme(header, 'Basic')) return null
	const credentials = parseBasicAuthorization(header)
	if (!credentials.ok) throw new ErrorResponse(credentials.reason, 401)
	const { user, password } = credentials
	return afterCheck(
		() => services.checkUserPassword(user, password, input.client().address),
		{ user },
		() => `login ${JSON.stringify(user)}`
	)
}
