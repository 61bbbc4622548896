/**
 * Promise: sessions end when they should. A token obtained by presenting a token expires no
 * later than the token presented (GET and POST /token, the cookie carrier's renewal), a logout
 * with the cookie carrier clears the cookie and issues none, and revoking one JWT leaves the
 * user's other JWTs alone. fsa tokens keep FlaskSimpleAuth's format: two made in the same
 * second for one user are the same token, so revoking one revokes both (SECURITY.md says so).
 */
import { afterEach, describe, expect, test, setSystemTime } from 'bun:test'
import { decodeJwt } from 'jose'
import { createAcme } from '../../src/acme'
import { checkRoutes, type RawConfig } from '../../src/auth'
import { parseLimit } from '../../src/auth/tokens/tokens'
import { FAST_PASSWORDS, call } from '../support/helpers'

const ADMIN = 'Adm1n-Sessions'
const START = new Date('2030-01-01T00:00:00Z')
const MINUTE = 60_000
const base: RawConfig = {
	...FAST_PASSWORDS,
	FSA_AUTH: ['token', 'basic', 'none'],
	FSA_TOKEN_SECRET: 'sessions-test-secret-0123456789'
}

/** When a token says it expires, in seconds since the epoch (fsa limit or JWT exp). */
function expiresOf(token: string): number {
	const parts = token.split(':')
	return parts.length === 4 ? parseLimit(parts[2])! : (decodeJwt(token).exp as number)
}

async function acme(config: RawConfig) {
	const made = await createAcme({ config: { ...base, ...config }, adminPassword: ADMIN })
	checkRoutes(made.app)
	return made
}

afterEach(() => setSystemTime())

describe.each([
	['fsa', {}],
	['jwt', { FSA_TOKEN_TYPE: 'jwt' }]
])('%s tokens: renewing never extends a session', (_type, config) => {
	test('GET and POST /token with a token give one that expires no later; with a password, a full delay', async () => {
		setSystemTime(START)
		const { app, auth, store } = await acme(config)
		try {
			const first = await auth.createToken('acme')
			const firstEnd = expiresOf(first)
			expect(firstEnd).toBe(START.getTime() / 1000 + 60 * 60)
			setSystemTime(new Date(START.getTime() + 40 * MINUTE))
			const got = await call(app, 'GET', '/token', { bearer: first })
			expect(got.status).toBe(200)
			expect(expiresOf(got.json.token)).toBeLessThanOrEqual(firstEnd)
			// POST /token falls back on the default chain, token included, when param is off
			const posted = await call(app, 'POST', '/token', { bearer: first })
			expect(posted.status).toBe(201)
			expect(expiresOf(posted.json.token)).toBeLessThanOrEqual(firstEnd)
			// a renewed token renews no further
			const again = await call(app, 'GET', '/token', { bearer: got.json.token })
			expect(expiresOf(again.json.token)).toBeLessThanOrEqual(firstEnd)
			expect((await call(app, 'GET', '/hello-me', { bearer: again.json.token })).status).toBe(200)
			// once the first expires, everything made from it is refused
			setSystemTime(new Date(START.getTime() + 61 * MINUTE))
			for (const token of [first, got.json.token, posted.json.token, again.json.token])
				expect((await call(app, 'GET', '/hello-me', { bearer: token })).status).toBe(401)
			// a password is a new login: a full delay
			const login = await call(app, 'GET', '/token', { basic: ['acme', ADMIN] })
			expect(login.status).toBe(200)
			expect(expiresOf(login.json.token)).toBe(START.getTime() / 1000 + 121 * 60)
		} finally {
			await store.close()
		}
	})

	test('an expired, forged or revoked token gets a 401 and no token', async () => {
		setSystemTime(START)
		const { app, auth, store } = await acme(config)
		try {
			const token = await auth.createToken('acme')
			const forged = `${token.slice(0, -2)}${token.endsWith('00') ? '11' : '00'}`
			expect(await call(app, 'GET', '/token', { bearer: forged })).toMatchObject({ status: 401 })
			expect((await call(app, 'DELETE', '/token', { bearer: token })).status).toBe(204)
			const revoked = await call(app, 'GET', '/token', { bearer: token })
			expect([revoked.status, revoked.json?.token]).toEqual([401, undefined])
			const other = await auth.createToken('acme', { delayMinutes: 1 })
			setSystemTime(new Date(START.getTime() + 2 * MINUTE))
			const expired = await call(app, 'GET', '/token', { bearer: other })
			expect([expired.status, expired.json?.token]).toEqual([401, undefined])
		} finally {
			await store.close()
		}
	})
})

describe('the cookie carrier', () => {
	const cookieConfig = { FSA_TOKEN_CARRIER: 'cookie' }
	const COOKIE = /^auth=([^;]*); Path=\/; Max-Age=(\d+); HttpOnly; SameSite=Lax$/

	test.each([0, 0.5])(
		'FSA_TOKEN_RENEWAL %d: a renewed cookie expires with the token presented',
		async (renewal) => {
			setSystemTime(START)
			const { app, auth, store } = await acme({ ...cookieConfig, FSA_TOKEN_RENEWAL: renewal })
			try {
				const token = await auth.createToken('acme')
				setSystemTime(new Date(START.getTime() + 50 * MINUTE)) // 10 of 60 minutes left
				const res = await call(app, 'GET', '/hello-me', { headers: { cookie: `auth=${token}` } })
				expect(res.status).toBe(200)
				const renewed = COOKIE.exec(res.headers.get('set-cookie') ?? '')
				expect(renewed).not.toBeNull()
				expect(expiresOf(renewed![1])).toBeLessThanOrEqual(expiresOf(token))
				expect(Number(renewed![2])).toBeLessThanOrEqual(10 * 60)
				// a password still logs in for a full delay
				const login = await call(app, 'GET', '/hello-me', { basic: ['acme', ADMIN] })
				expect(Number(COOKIE.exec(login.headers.get('set-cookie') ?? '')![2])).toBe(60 * 60)
			} finally {
				await store.close()
			}
		}
	)

	test('DELETE /token clears the cookie and issues none; the token is refused from then on', async () => {
		const { app, store } = await acme(cookieConfig)
		try {
			const login = await call(app, 'GET', '/hello-me', { basic: ['acme', ADMIN] })
			const token = COOKIE.exec(login.headers.get('set-cookie') ?? '')![1]
			const cookie = { cookie: `auth=${token}` }
			const logout = await call(app, 'DELETE', '/token', { headers: cookie })
			expect(logout.status).toBe(204)
			expect(logout.headers.getSetCookie()).toEqual([
				'auth=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax'
			])
			const after = await call(app, 'GET', '/hello-me', { headers: cookie })
			expect([after.status, after.headers.get('set-cookie')]).toEqual([401, null])
			// without a cookie, or with the revoked one: 401, and no cookie either way
			for (const headers of [{}, cookie]) {
				const refused = await call(app, 'DELETE', '/token', { headers })
				expect([refused.status, refused.headers.get('set-cookie')]).toEqual([401, null])
			}
		} finally {
			await store.close()
		}
	})
})

describe('revoking one session', () => {
	test('two JWTs of one user made in the same second: revoking one leaves the other working', async () => {
		setSystemTime(START)
		const { app, store } = await acme({ FSA_TOKEN_TYPE: 'jwt' })
		try {
			const tokens = await Promise.all(
				[1, 2].map(
					async () => (await call(app, 'GET', '/token', { basic: ['acme', ADMIN] })).json.token
				)
			)
			const [one, two] = tokens.map((token: string) => decodeJwt(token))
			expect([one.iat, one.exp]).toEqual([two.iat, two.exp])
			expect(one.jti).toMatch(/^[\w-]{22}$/)
			expect(one.jti).not.toBe(two.jti)
			expect((await call(app, 'DELETE', '/token', { bearer: tokens[0] })).status).toBe(204)
			expect((await call(app, 'GET', '/hello-me', { bearer: tokens[0] })).status).toBe(401)
			expect((await call(app, 'GET', '/hello-me', { bearer: tokens[1] })).status).toBe(200)
		} finally {
			await store.close()
		}
	})

	test('fsa tokens keep their format: two made in the same second are one token, revoked together', async () => {
		setSystemTime(START)
		const { app, store } = await acme({})
		try {
			const [one, two] = await Promise.all(
				[1, 2].map(
					async () => (await call(app, 'GET', '/token', { basic: ['acme', ADMIN] })).json.token
				)
			)
			expect(one).toMatch(/^acme:acme:20300101010000:[0-9a-f]{32}$/)
			expect(two).toBe(one)
			expect((await call(app, 'DELETE', '/token', { bearer: one })).status).toBe(204)
			expect((await call(app, 'GET', '/hello-me', { bearer: two })).status).toBe(401)
		} finally {
			await store.close()
		}
	})
})
