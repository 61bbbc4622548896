/**
 * The basic scheme's header parser (RFC 7617), as a pure function.
 */
import { describe, expect, it } from 'bun:test'
import { basicChallenge, hasScheme, parseBasicAuthorization } from '../../src/auth/authn/basic'

const DECODING_ERROR = { ok: false, reason: 'decoding error on authorization header' } as const

/** `Basic <base64 of the bytes>`. */
function basic(credentials: string | Uint8Array, scheme = 'Basic'): string {
	return `${scheme} ${Buffer.from(credentials).toString('base64')}`
}

describe('parseBasicAuthorization', () => {
	it('decodes a login and password', () => {
		expect(parseBasicAuthorization(basic('calvin:hobbes'))).toEqual({
			ok: true,
			user: 'calvin',
			password: 'hobbes'
		})
	})

	it('matches the scheme name in any case', () => {
		for (const scheme of ['basic', 'BASIC', 'bAsIc'])
			expect(parseBasicAuthorization(basic('calvin:hobbes', scheme))).toMatchObject({
				ok: true,
				user: 'calvin'
			})
	})

	it('splits on the first colon: the password may contain ":"', () => {
		expect(parseBasicAuthorization(basic('calvin:a:b::c:'))).toEqual({
			ok: true,
			user: 'calvin',
			password: 'a:b::c:'
		})
	})

	it('decodes UTF-8 logins and passwords', () => {
		expect(parseBasicAuthorization(basic('hélène:pässwörd 🔑 密码'))).toEqual({
			ok: true,
			user: 'hélène',
			password: 'pässwörd 🔑 密码'
		})
	})

	it('accepts an empty password', () => {
		expect(parseBasicAuthorization(basic('calvin:'))).toEqual({ ok: true, user: 'calvin', password: '' })
	})

	it('refuses an empty user', () => {
		expect(parseBasicAuthorization(basic(':hobbes'))).toEqual(DECODING_ERROR)
	})

	it('refuses credentials without a colon', () => {
		expect(parseBasicAuthorization(basic('calvin'))).toEqual(DECODING_ERROR)
	})

	it.each([
		['NUL in the user', 'cal\u0000vin:hobbes'],
		['a newline in the password', 'calvin:hob\nbes'],
		['a carriage return', 'calvin\r:hobbes'],
		['a tab', 'calvin:\thobbes'],
		['DEL', 'calvin:hobbes\u007f']
	])('refuses control characters: %s', (_, credentials) => {
		expect(parseBasicAuthorization(basic(credentials))).toEqual(DECODING_ERROR)
	})

	it.each([
		['a lone continuation byte', [0x63, 0x3a, 0x80]],
		['a truncated sequence', [0x63, 0xc3, 0x3a, 0x70]],
		['0xff', [0xff, 0x3a, 0x70]],
		['an overlong encoding of "/"', [0x63, 0x3a, 0xc0, 0xaf]],
		['a UTF-16 surrogate', [0x63, 0x3a, 0xed, 0xa0, 0x80]]
	])('refuses invalid UTF-8: %s', (_, bytes) => {
		expect(parseBasicAuthorization(basic(new Uint8Array(bytes)))).toEqual(DECODING_ERROR)
	})

	it.each([
		['not base64 at all', 'Basic !!!'],
		['nothing after the scheme', 'Basic '],
		['only spaces after the scheme', 'Basic    '],
		['missing padding', 'Basic YWI6Yw'],
		['too much padding', 'Basic YWI6Yw==='],
		['padding in the middle', 'Basic YW==I6Yw=='],
		['a wrong length', 'Basic YWI6Y'],
		['base64url characters', 'Basic YWI6-_8='],
		['a space inside', 'Basic YWI6 Yw=='],
		['non-zero padding bits (non-canonical)', 'Basic YWI6Yx=='],
		['non-zero padding bits with one "="', 'Basic YWJjOmR=']
	])('refuses bad base64: %s', (_, header) => {
		expect(parseBasicAuthorization(header)).toEqual(DECODING_ERROR)
	})

	it('checks that the canonical spellings of those values are accepted', () => {
		expect(parseBasicAuthorization('Basic YWI6Yw==')).toEqual({ ok: true, user: 'ab', password: 'c' })
		expect(parseBasicAuthorization('Basic YWJjOmQ=')).toEqual({ ok: true, user: 'abc', password: 'd' })
	})

	it('refuses a duplicated header joined by ", "', () => {
		const one = basic('calvin:hobbes')
		expect(parseBasicAuthorization(`${one}, ${one}`)).toEqual(DECODING_ERROR)
		expect(parseBasicAuthorization(`${one}, Bearer abc`)).toEqual(DECODING_ERROR)
	})

	it.each(['Bearer YWI6Yw==', 'Basic', 'BasicYWI6Yw==', 'Basic\tYWI6Yw==', 'Digest username="a"', ''])(
		'refuses %j as not a basic header',
		(header) => {
			expect(parseBasicAuthorization(header)).toEqual({
				ok: false,
				reason: 'unexpected authorization header'
			})
		}
	)
})

describe('hasScheme', () => {
	it('needs the name, then a space, then something', () => {
		expect(hasScheme('Bearer x', 'Bearer')).toBe(true)
		expect(hasScheme('bearer x', 'Bearer')).toBe(true)
		expect(hasScheme('Bearer', 'Bearer')).toBe(false)
		expect(hasScheme('Bearerx y', 'Bearer')).toBe(false)
		expect(hasScheme('Youpi x', 'Bearer')).toBe(false)
	})

	it('folds the case of ASCII letters only', () => {
		expect(hasScheme('BASIC x', 'Basic')).toBe(true)
		expect(hasScheme('bAsIc x', 'bASIC')).toBe(true)
		// toLowerCase would fold the Kelvin sign into "k"; a scheme name is ASCII
		expect(hasScheme('\u212Aey x', 'Key')).toBe(false)
		expect(hasScheme('@bc x', '`bc')).toBe(false)
		expect(hasScheme('Bearer\tx', 'Bearer')).toBe(false)
	})
})

describe('basicChallenge', () => {
	it('names the realm and the UTF-8 charset', () => {
		expect(basicChallenge('test')).toBe('Basic realm="test", charset="UTF-8"')
	})

	it('escapes quotes and backslashes in the realm', () => {
		expect(basicChallenge('a "b" \\c')).toBe('Basic realm="a \\"b\\" \\\\c", charset="UTF-8"')
	})
})
