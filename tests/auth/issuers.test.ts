/**
 * FSA_TOKEN_ISSUERS: JWTs of identity providers accepted by the oauth scheme, against a local
 * JWKS server that rotates keys and goes down, and the attacks on them.
 */
import { afterAll, beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { Elysia } from 'elysia'
import { SignJWT, importJWK } from 'jose'
import { ConfigError, SimpleAuth, checkRoutes, simpleAuth, type RawConfig } from '../../src/auth'
import { jwksCacheSeconds } from '../../src/auth/tokens/jwks'
import { scopesOf } from '../../src/auth/tokens/issuers'
import { call } from '../support/helpers'
import { JwksServer, signToken, signingKey, type SigningKey } from '../support/jwks-server'

const IDP = 'https://idp.example'
const SECRET = 'secret-secret-secret'
const USERS = new Set(['calvin', 'hobbes'])

let server: JwksServer
let first: SigningKey
let second: SigningKey
let foreign: SigningKey

beforeAll(async () => {
	server = new JwksServer()
	;[first, second, foreign] = await Promise.all([signingKey('k1'), signingKey('k2'), signingKey('k1')])
})
afterAll(() => server.stop())

function issuers(entry: Record<string, unknown> = {}): RawConfig {
	return {
		FSA_AUTH: ['token', 'oauth', 'none'],
		FSA_TOKEN_TYPE: 'jwt',
		FSA_TOKEN_ISSUER: 'acme',
		FSA_TOKEN_SECRET: SECRET,
		FSA_TOKEN_ISSUERS: {
			[IDP]: { jwks_uri: server.uri, audience: 'acme', algorithms: ['RS256'], ...entry }
		}
	}
}

/** A fresh app (fresh key cache) on its own clock, the JWKS server reset to `keys`. */
function makeApp(entry: Record<string, unknown> = {}, keys = [first], config: RawConfig = {}) {
	server.keys = keys
	server.fetches = 0
	server.mode = 'up'
	server.cacheControl = 'max-age=300'
	const clock = { now: 1_000_000 }
	const auth = new SimpleAuth({
		name: 'Test',
		// an undefined value removes the directive
		config: Object.fromEntries(
			Object.entries({ ...issuers(entry), ...config }).filter(([, value]) => value !== undefined)
		),
		jwks: { now: () => clock.now, timeoutMs: 300 }
	}).getUserPass((login) => (USERS.has(login) ? 'stored' : null))
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/read', ({ user }) => ({ user }), { authn: 'oauth', authz: 'read' })
	checkRoutes(app)
	const get = (bearer: string) => call(app, 'GET', '/read', { bearer })
	return { auth, app, clock, get }
}

const claims = { iss: IDP, sub: 'calvin', aud: 'acme', scope: 'read write' }

describe('FSA_TOKEN_ISSUERS configuration', () => {
	const configError = (entry: Record<string, unknown>, config: RawConfig = {}): string => {
		try {
			new SimpleAuth({ config: { ...issuers(entry), ...config } })
		} catch (error) {
			expect(error).toBeInstanceOf(ConfigError)
			expect((error as Error).message).not.toContain('\n')
			return (error as Error).message
		}
		throw new Error('accepted')
	}

	it('is checked field by field at start, in one line naming the issuer', () => {
		expect(configError({ jwks_uri: undefined })).toContain(`FSA_TOKEN_ISSUERS "${IDP}" needs jwks_uri`)
		expect(configError({ jwks_uri: 'not a url' })).toContain('jwks_uri must be an absolute URL')
		expect(configError({ jwks_uri: 'http://idp.example/jwks' })).toContain('jwks_uri must be https')
		expect(configError({ audience: undefined })).toContain('needs audience')
		expect(configError({ audience: [] })).toContain('needs audience')
		expect(configError({ algorithms: undefined })).toContain('needs algorithms')
		expect(configError({ algorithms: [] })).toContain('needs algorithms')
		expect(configError({ local_users: 'no' })).toContain('local_users must be true or false')
		expect(configError({ audiences: 'acme' })).toContain('unexpected field "audiences"')
	})

	it('refuses "none" and HMAC algorithms, which a public key set cannot make safe', () => {
		expect(configError({ algorithms: ['none'] })).toContain('"none" and HMAC are refused (got "none")')
		expect(configError({ algorithms: ['RS256', 'HS256'] })).toContain('(got "HS256")')
	})

	it('refuses a value that is not a table of tables, and its own issuer among them', () => {
		expect(configError({}, { FSA_TOKEN_ISSUERS: { [IDP]: 'x' } })).toContain(
			'FSA_TOKEN_ISSUERS must be a table'
		)
		expect(configError({}, { FSA_TOKEN_ISSUER: IDP })).toContain('must not name FSA_TOKEN_ISSUER')
	})

	it('lets oauth run on identity provider tokens alone, without jwt tokens of its own', () => {
		const config = { FSA_AUTH: ['oauth'], FSA_TOKEN_ISSUERS: issuers().FSA_TOKEN_ISSUERS }
		expect(() => new SimpleAuth({ config })).not.toThrow()
		expect(() => new SimpleAuth({ config: { FSA_AUTH: ['oauth'] } })).toThrow(/FSA_TOKEN_ISSUERS/)
	})

	it('accepts https anywhere and plain http on loopback only', () => {
		const ok = (jwks_uri: string) => () => new SimpleAuth({ config: issuers({ jwks_uri }) })
		expect(ok('https://idp.example/.well-known/jwks.json')).not.toThrow()
		expect(ok('http://localhost:8080/jwks')).not.toThrow()
		expect(ok('http://10.0.0.1/jwks')).toThrow(ConfigError)
	})
})

describe('identity provider tokens', () => {
	it('are accepted by oauth: sub is the user, scope grants the route', async () => {
		const { get } = makeApp()
		const ok = await get(await signToken(first, claims))
		expect(ok.status).toBe(200)
		expect(ok.json).toEqual({ user: 'calvin' })
		const scp = await get(await signToken(first, { ...claims, scope: undefined, scp: ['read'] }))
		expect(scp.status).toBe(200)
		const denied = await get(await signToken(first, { ...claims, scope: 'write' }))
		expect(denied.status).toBe(403)
		expect(denied.text).toBe('missing permission "read"')
		expect(server.fetches).toBe(1)
	})

	it('leave this service own tokens working', async () => {
		const { auth, get } = makeApp()
		const own = await auth.createToken('calvin', { scopes: ['read'] })
		expect((await get(own)).status).toBe(200)
		expect(server.fetches).toBe(0)
	})

	it('need a local user unless the issuer says local_users = false', async () => {
		const stranger = { ...claims, sub: 'susie' }
		const local = makeApp()
		const refused = await local.get(await signToken(first, stranger))
		expect(refused.status).toBe(401)
		expect(refused.text).toBe('no such user for auth token')
		const remote = makeApp({ local_users: false })
		const accepted = await remote.get(await signToken(first, stranger))
		expect(accepted.status).toBe(200)
		expect(accepted.json).toEqual({ user: 'susie' })
	})

	it('refuse a foreign issuer, another key claiming the issuer, a wrong audience, an expired token', async () => {
		const { get } = makeApp()
		const cases: [string, string][] = [
			// another issuer's token is tried as one of this service's own JWTs
			[await signToken(first, { ...claims, iss: 'https://evil.example' }), 'invalid jwt token'],
			[await signToken(foreign, claims), 'invalid jwt token'],
			[await signToken(first, { ...claims, aud: 'other' }), 'invalid jwt token'],
			[await signToken(first, { ...claims, sub: undefined }), 'invalid jwt token'],
			[await signToken(first, { ...claims, expiresIn: -3600 }), 'expired jwt auth token'],
			['not-a-token', 'invalid jwt token']
		]
		for (const [token, message] of cases) {
			const response = await get(token)
			expect(response.status).toBe(401)
			expect(response.text).toBe(message)
		}
	})

	it('are the only tokens of oauth where the service makes no JWTs of its own', async () => {
		const { get } = makeApp({}, [first], {
			FSA_AUTH: ['oauth'],
			FSA_TOKEN_TYPE: 'fsa',
			FSA_TOKEN_ISSUER: undefined
		})
		expect((await get(await signToken(first, claims))).status).toBe(200)
		for (const token of [
			await signToken(first, { ...claims, iss: 'https://evil.example' }),
			'not-a-token'
		]) {
			const response = await get(token)
			expect(response.status).toBe(401)
			expect(response.text).toBe('unknown token issuer')
		}
	})

	it('refuse algorithm confusion: none, and HS256 signed with the public key, before any key fetch', async () => {
		const { get } = makeApp()
		const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
		const payload = {
			iss: IDP,
			sub: 'calvin',
			aud: 'acme',
			scope: 'read',
			exp: Math.floor(Date.now() / 1000) + 300
		}
		const none = `${b64({ alg: 'none', kid: 'k1' })}.${b64(payload)}.`
		const publicKey = await importJWK(first.publicJwk, 'RS256', { extractable: true })
		const pem = process
			.getBuiltinModule('node:crypto')
			.KeyObject.from(publicKey as CryptoKey)
			.export({
				type: 'spki',
				format: 'pem'
			}) as string
		const hmac = await new SignJWT(payload)
			.setProtectedHeader({ alg: 'HS256', kid: 'k1' })
			.sign(new TextEncoder().encode(pem))
		const jwkHmac = await new SignJWT(payload)
			.setProtectedHeader({ alg: 'HS256', kid: 'k1' })
			.sign(new TextEncoder().encode(JSON.stringify(first.publicJwk)))
		for (const token of [none, hmac, jwkHmac]) {
			const response = await get(token)
			expect(response.status).toBe(401)
			expect(response.text).toBe('jwt algorithm not accepted for this issuer')
		}
		expect(server.fetches).toBe(0)
	})

	it('refuse a kid that does not exist, a flood of them fetching the keys at most once per 30 s', async () => {
		const { get, clock } = makeApp()
		expect((await get(await signToken(first, claims))).status).toBe(200)
		expect(server.fetches).toBe(1)
		clock.now += 31_000
		const flood = await Promise.all(
			Array.from({ length: 50 }, async (_, index) =>
				get(await signToken(first, claims, `made-up-${index}`))
			)
		)
		expect(
			flood.every((response) => response.status === 401 && response.text === 'unknown jwt key')
		).toBe(true)
		expect(server.fetches).toBe(2)
		clock.now += 10_000
		expect((await get(await signToken(first, claims, 'made-up-again'))).status).toBe(401)
		expect(server.fetches).toBe(2)
		// the known key still works all along
		expect((await get(await signToken(first, claims))).status).toBe(200)
	})

	it('follow key rotation by kid', async () => {
		const { get, clock } = makeApp()
		expect((await get(await signToken(first, claims))).status).toBe(200)
		server.keys = [first, second]
		clock.now += 31_000
		expect((await get(await signToken(second, claims))).status).toBe(200)
		expect(server.fetches).toBe(2)
		// the retired key stops working once the set that drops it is fetched
		server.keys = [second]
		clock.now += 301_000
		expect((await get(await signToken(second, claims))).status).toBe(200)
		const retired = await get(await signToken(first, claims))
		expect(retired.status).toBe(401)
		expect(server.fetches).toBe(3)
	})

	it('keep the keys as long as Cache-Control says, within bounds', async () => {
		const { get, clock } = makeApp()
		const token = await signToken(first, claims)
		await get(token)
		clock.now += 299_000
		await get(token)
		expect(server.fetches).toBe(1)
		clock.now += 2_000
		await get(token)
		expect(server.fetches).toBe(2)
		expect(jwksCacheSeconds(null)).toBe(600)
		expect(jwksCacheSeconds('public, max-age=3600')).toBe(3600)
		expect(jwksCacheSeconds('max-age=0')).toBe(60)
		expect(jwksCacheSeconds('no-store')).toBe(60)
		expect(jwksCacheSeconds('max-age=31536000')).toBe(86_400)
		expect(jwksCacheSeconds('max-age=soon')).toBe(600)
	})

	it('keep working on cached keys while the JWKS server is down', async () => {
		const warn = spyOn(console, 'warn').mockImplementation(() => {})
		try {
			const { get, clock } = makeApp()
			const token = await signToken(first, claims)
			expect((await get(token)).status).toBe(200)
			server.mode = 'error'
			clock.now += 400_000
			expect((await get(token)).status).toBe(200)
			expect((await get(token)).status).toBe(200)
			expect(server.fetches).toBe(2)
			expect(
				warn.mock.calls.some(([line]) => String(line).includes('the cached keys stay in use'))
			).toBe(true)
		} finally {
			warn.mockRestore()
		}
	})

	it('answer 503, not 401, with the JWKS server down and nothing cached, without a fetch per request', async () => {
		const warn = spyOn(console, 'warn').mockImplementation(() => {})
		const error = spyOn(console, 'error').mockImplementation(() => {})
		try {
			for (const mode of ['error', 'hang'] as const) {
				const { get } = makeApp()
				server.mode = mode
				const token = await signToken(first, claims)
				const down = await get(token)
				expect(down.status).toBe(503)
				expect(down.text).toBe(`the keys of token issuer ${IDP} cannot be fetched now`)
				expect((await get(token)).status).toBe(503)
				expect(server.fetches).toBe(1)
			}
		} finally {
			warn.mockRestore()
			error.mockRestore()
		}
	})
})

describe('scopesOf', () => {
	it('reads scope (space-separated) or scp (a list or a string)', () => {
		expect(scopesOf({ scope: 'a  b' })).toEqual(['a', 'b'])
		expect(scopesOf({ scp: ['a', 1, '', 'b'] })).toEqual(['a', 'b'])
		expect(scopesOf({ scp: 'a b' })).toEqual(['a', 'b'])
		expect(scopesOf({})).toBeUndefined()
	})
})
