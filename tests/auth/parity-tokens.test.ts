/**
 * FlaskSimpleAuth parity, tokens over HTTP: carriers and their names, the cookie carrier and
 * its renewal, grace, signature length, fsa hashes, HMAC and asymmetric JWT, issuers, and
 * the messages of expired and invalid tokens.
 */
import { afterEach, beforeAll, describe, expect, it, setSystemTime } from 'bun:test'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { UnsecuredJWT, decodeJwt, decodeProtectedHeader } from 'jose'
import { ConfigError, ErrorResponse, SimpleAuth, type RawConfig } from '../../src/auth'
import { buildRequest, call, calvinAuth, fastHash, whoApp, type RequestOptions } from '../support/helpers'

const SECRET = 'secret-secret-secret'
let calvinHash = ''

beforeAll(async () => {
	calvinHash = await fastHash('hobbes')
})

afterEach(() => {
	setSystemTime()
})

const makeAuth = (config: RawConfig = {}): SimpleAuth =>
	calvinAuth(calvinHash, { FSA_AUTH: ['token', 'basic', 'none'], FSA_TOKEN_SECRET: SECRET, ...config })

const CALVIN: RequestOptions = { basic: ['calvin', 'hobbes'] }

async function who(app: ReturnType<typeof whoApp>, options: RequestOptions = {}) {
	return call(app, 'GET', '/who', options)
}

describe('FSA_TOKEN_CARRIER and FSA_TOKEN_NAME', () => {
	it.each([
		['bearer', 'default', (token: string) => ({ headers: { authorization: `Bearer ${token}` } })],
		['bearer', 'Youpi', (token: string) => ({ headers: { authorization: `Youpi ${token}` } })],
		['param', 'default', (token: string) => ({ query: { AUTH: token } })],
		['param', 'tok', (token: string) => ({ query: { tok: token } })],
		['cookie', 'default', (token: string) => ({ headers: { cookie: `other=1; auth=${token}` } })],
		['cookie', 'session', (token: string) => ({ headers: { cookie: `session=${token}` } })],
		['header', 'default', (token: string) => ({ headers: { Auth: token } })],
		['header', 'HoHoHo', (token: string) => ({ headers: { HoHoHo: token } })]
	] as const)('carrier %s named %s carries the token', async (carrier, name, carry) => {
		const config: RawConfig = { FSA_TOKEN_CARRIER: carrier }
		if (name !== 'default') config.FSA_TOKEN_NAME = name
		const auth = makeAuth(config)
		const app = whoApp(auth)
		const token = await auth.createToken('calvin')
		const good = await who(app, carry(token))
		expect(good.status).toBe(200)
		expect(good.json).toEqual({ user: 'calvin' })
		// the same token elsewhere is not seen
		const elsewhere: RequestOptions =
			carrier === 'bearer'
				? { headers: { cookie: `auth=${token}`, Auth: token } }
				: { headers: { authorization: `Bearer ${token}` } }
		expect((await who(app, elsewhere)).status).toBe(401)
		expect((await who(app)).status).toBe(401)
	})

	it('a custom bearer name refuses Bearer and announces itself', async () => {
		const auth = makeAuth({ FSA_TOKEN_NAME: 'Youpi' })
		const app = whoApp(auth)
		const refused = await who(app, { bearer: await auth.createToken('calvin') })
		expect(refused.status).toBe(401)
		expect(refused.headers.get('www-authenticate')).toContain('Youpi realm="Test"')
	})

	it('a param carrier name is never an unexpected parameter', async () => {
		const auth = makeAuth({ FSA_TOKEN_CARRIER: 'param' })
		const app = whoApp(auth)
		const res = await who(app, { query: { AUTH: await auth.createToken('calvin') } })
		expect(res.status).toBe(200)
		expect(res.headers.get('www-authenticate')).toBeNull()
	})
})

const COOKIE = /^auth=(Test:calvin:\d{14}:[0-9a-f]{32}); Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/

describe('cookie carrier', () => {
	const config = { FSA_TOKEN_CARRIER: 'cookie' }

	it('sets the token cookie on an authenticated response, and the cookie authenticates', async () => {
		const app = whoApp(makeAuth(config))
		const first = await who(app, CALVIN)
		expect(first.status).toBe(200)
		const cookie = first.headers.get('set-cookie') ?? ''
		expect(cookie).toMatch(COOKIE)
		const token = COOKIE.exec(cookie)![1]
		const next = await who(app, { headers: { cookie: `auth=${token}` } })
		expect(next.status).toBe(200)
		expect(next.json).toEqual({ user: 'calvin' })
		// no credentials, no cookie
		const anonymous = await who(app)
		expect(anonymous.status).toBe(401)
		expect(anonymous.headers.get('set-cookie')).toBeNull()
		expect((await call(app, 'GET', '/open')).headers.get('set-cookie')).toBeNull()
	})

	it('marks the cookie Secure over https only, and follows FSA_TOKEN_DELAY and FSA_TOKEN_NAME', async () => {
		const app = whoApp(makeAuth({ ...config, FSA_TOKEN_DELAY: 2.5, FSA_TOKEN_NAME: 'sid' }))
		const request = buildRequest('GET', '/who', CALVIN)
		const https = await app.handle(new Request(request.url.replace('http:', 'https:'), request))
		expect(https.status).toBe(200)
		expect(https.headers.get('set-cookie')).toMatch(
			/^sid=Test:calvin:\d{14}:[0-9a-f]{32}; Path=\/; Max-Age=150; HttpOnly; SameSite=Lax; Secure$/
		)
		const http = await who(app, CALVIN)
		expect(http.headers.get('set-cookie')).not.toContain('Secure')
	})

	it('FSA_TOKEN_RENEWAL > 0 re-issues the cookie only near expiry, never past the token presented', async () => {
		const start = new Date('2030-01-01T00:00:00Z')
		setSystemTime(start)
		const auth = makeAuth({ ...config, FSA_TOKEN_RENEWAL: 0.5 })
		const app = whoApp(auth)
		const token = await auth.createToken('calvin')
		const fresh = await who(app, { headers: { cookie: `auth=${token}` } })
		expect(fresh.status).toBe(200)
		expect(fresh.headers.get('set-cookie')).toBeNull()
		setSystemTime(new Date(start.getTime() + 40 * 60_000)) // 20 of 60 minutes left
		const old = await who(app, { headers: { cookie: `auth=${token}` } })
		expect(old.status).toBe(200)
		// the absolute lifetime holds: the renewed cookie ends when the token presented does
		expect(old.headers.get('set-cookie')).toBe(
			`auth=${token}; Path=/; Max-Age=1200; HttpOnly; SameSite=Lax`
		)
	})

	it('FSA_TOKEN_RENEWAL 0 re-issues the cookie on every request, as FlaskSimpleAuth does', async () => {
		const auth = makeAuth(config)
		const app = whoApp(auth)
		const res = await who(app, { headers: { cookie: `auth=${await auth.createToken('calvin')}` } })
		expect(res.headers.get('set-cookie')).toMatch(
			/^auth=Test:calvin:\d{14}:[0-9a-f]{32}; Path=\/; Max-Age=3(599|600); HttpOnly; SameSite=Lax$/
		)
	})
})

describe('FSA_TOKEN_GRACE, FSA_TOKEN_LENGTH and FSA_TOKEN_ALGO (fsa)', () => {
	it.each(['fsa', 'jwt'])('%s: accepts an expired token within the grace delay only', async (type) => {
		const start = new Date('2030-01-01T00:00:00Z')
		setSystemTime(start)
		const strict = makeAuth({ FSA_TOKEN_TYPE: type })
		const lenient = () => makeAuth({ FSA_TOKEN_TYPE: type, FSA_TOKEN_GRACE: 5 })
		const token = await strict.createToken('calvin', { delayMinutes: 1 })
		setSystemTime(new Date(start.getTime() + 3 * 60_000))
		const refused = await who(whoApp(strict), { bearer: token })
		expect(refused.status).toBe(401)
		expect(refused.text).toBe(`expired ${type} auth token`)
		expect((await who(whoApp(lenient()), { bearer: token })).status).toBe(200)
		setSystemTime(new Date(start.getTime() + 7 * 60_000))
		expect((await who(whoApp(lenient()), { bearer: token })).status).toBe(401)
	})

	it.each([
		[8, 16],
		[16, 32],
		[32, 64]
	])('FSA_TOKEN_LENGTH %d keeps %d hex characters of signature', async (length, hex) => {
		const auth = makeAuth({ FSA_TOKEN_LENGTH: length })
		const token = await auth.createToken('calvin')
		expect(token.split(':')[3]).toMatch(new RegExp(`^[0-9a-f]{${hex}}$`))
		expect((await who(whoApp(auth), { bearer: token })).status).toBe(200)
		const other = makeAuth({ FSA_TOKEN_LENGTH: length === 16 ? 8 : 16 })
		expect((await who(whoApp(other), { bearer: token })).text).toBe('invalid fsa auth token signature')
	})

	const LIMIT_TIME = new Date('2038-01-19T02:14:07Z') // tokens made then end at 20380119031407
	const DATA = 'Test:calvin:20380119031407'
	const hashOf = (algo: string) => createHash(algo).update(`${DATA}:${SECRET}`).digest('hex').slice(0, 32)

	it.each([
		['default', 'blake2s256'],
		['blake2s', 'blake2s256'],
		['blake2s256', 'blake2s256'],
		['sha256', 'sha256'],
		['blake2b', 'blake2b512'],
		['blake2b512', 'blake2b512'],
		['sha3_256', 'sha3-256'],
		['sha512', 'sha512']
	])('FSA_TOKEN_ALGO %s signs with %s', async (algo, nodeName) => {
		setSystemTime(LIMIT_TIME)
		const auth = makeAuth(algo === 'default' ? {} : { FSA_TOKEN_ALGO: algo })
		const token = await auth.createToken('calvin')
		expect(token).toBe(`${DATA}:${hashOf(nodeName)}`)
		expect((await who(whoApp(auth), { bearer: token })).status).toBe(200)
	})

	it('the default blake2s matches FlaskSimpleAuth (hashlib vector)', async () => {
		setSystemTime(LIMIT_TIME)
		expect(await makeAuth().createToken('calvin')).toBe(`${DATA}:28effbdf2ba4c6c4fa1aed3559a79625`)
		const sha = await makeAuth({ FSA_TOKEN_ALGO: 'sha256' }).createToken('calvin')
		expect(sha).toBe(`${DATA}:67711b42af56a6611e180568ba60e9bd`)
	})

	it('refuses an unknown hash, and a token signed with another hash', async () => {
		expect(() => makeAuth({ FSA_TOKEN_ALGO: 'md5' })).toThrow('FSA_TOKEN_ALGO')
		const token = await makeAuth({ FSA_TOKEN_ALGO: 'sha256' }).createToken('calvin')
		expect((await who(whoApp(makeAuth()), { bearer: token })).status).toBe(401)
	})
})

describe('FSA_TOKEN_ISSUER', () => {
	it('fsa: realm/issuer is the first field, and a token without it is refused', async () => {
		const auth = makeAuth({ FSA_TOKEN_ISSUER: 'god' })
		const token = await auth.createToken('calvin')
		expect(token).toStartWith('Test/god:calvin:')
		const app = whoApp(auth)
		expect((await who(app, { bearer: token })).status).toBe(200)
		const plain = await who(app, { bearer: await makeAuth().createToken('calvin') })
		expect(plain.status).toBe(401)
		expect(plain.text).toBe('unexpected fsa token realm')
	})

	it('jwt: the iss claim is set and checked', async () => {
		const jwt = { FSA_TOKEN_TYPE: 'jwt' }
		const auth = makeAuth({ ...jwt, FSA_TOKEN_ISSUER: 'god' })
		const token = await auth.createToken('calvin')
		expect(decodeJwt(token)).toMatchObject({ iss: 'god', sub: 'calvin', aud: 'Test' })
		const app = whoApp(auth)
		expect((await who(app, { bearer: token })).status).toBe(200)
		const devil = await makeAuth({ ...jwt, FSA_TOKEN_ISSUER: 'devil' }).createToken('calvin')
		const none = await makeAuth(jwt).createToken('calvin')
		for (const bad of [devil, none]) {
			const res = await who(app, { bearer: bad })
			expect(res.status).toBe(401)
			expect(res.text).toBe('invalid jwt token')
		}
	})
})

describe('JWT algorithms', () => {
	it.each(['HS256', 'HS384', 'HS512'])('%s signs and verifies with the secret', async (algo) => {
		const auth = makeAuth({ FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ALGO: algo })
		const token = await auth.createToken('calvin')
		expect(decodeProtectedHeader(token).alg).toBe(algo)
		expect((await who(whoApp(auth), { bearer: token })).json).toEqual({ user: 'calvin' })
		// the algorithm is pinned: the same secret under another HMAC is refused
		const other = makeAuth({
			FSA_TOKEN_TYPE: 'jwt',
			FSA_TOKEN_ALGO: algo === 'HS256' ? 'HS512' : 'HS256'
		})
		expect((await who(whoApp(other), { bearer: token })).status).toBe(401)
	})

	const KEYS = {
		RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
		PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
		ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
		EdDSA: () => generateKeyPairSync('ed25519')
	}
	function pems(algo: keyof typeof KEYS) {
		const { publicKey, privateKey } = KEYS[algo]()
		return {
			FSA_TOKEN_SECRET: publicKey.export({ type: 'spki', format: 'pem' }) as string,
			FSA_TOKEN_SIGN: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
		}
	}

	it.each(Object.keys(KEYS) as (keyof typeof KEYS)[])(
		'%s: the private key signs, the public key verifies',
		async (algo) => {
			const keys = pems(algo)
			const config = { FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ALGO: algo }
			const signer = makeAuth({ ...config, ...keys })
			const token = await signer.createToken('calvin')
			expect(decodeProtectedHeader(token).alg).toBe(algo)
			expect((await who(whoApp(signer), { bearer: token })).json).toEqual({ user: 'calvin' })
			// a verifier without the private key accepts the token but cannot create any
			const verifier = makeAuth({ ...config, FSA_TOKEN_SECRET: keys.FSA_TOKEN_SECRET })
			expect((await who(whoApp(verifier), { bearer: token })).status).toBe(200)
			expect(verifier.tokens.canCreate).toBe(false)
			await expect(verifier.createToken('calvin')).rejects.toBeInstanceOf(ErrorResponse)
			// another key pair's token is refused
			const stranger = makeAuth({ ...config, ...pems(algo) })
			const refused = await who(whoApp(verifier), { bearer: await stranger.createToken('calvin') })
			expect(refused.status).toBe(401)
			expect(refused.text).toBe('invalid jwt token')
		}
	)

	it('a verify-only cookie carrier sets no cookie', async () => {
		const keys = pems('ES256')
		const config = { FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ALGO: 'ES256', FSA_TOKEN_CARRIER: 'cookie' }
		const app = whoApp(makeAuth({ ...config, FSA_TOKEN_SECRET: keys.FSA_TOKEN_SECRET }))
		const res = await who(app, CALVIN)
		expect(res.status).toBe(200)
		expect(res.headers.get('set-cookie')).toBeNull()
		const signing = await who(whoApp(makeAuth({ ...config, ...keys })), CALVIN)
		expect(signing.headers.get('set-cookie')).toStartWith('auth=ey')
	})

	it('a bad PEM stops at construction, naming the directive', () => {
		const keys = pems('EdDSA')
		const config = { FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ALGO: 'EdDSA' }
		const junk = 'this is not a PEM key at all'
		expect(() => makeAuth({ ...config, FSA_TOKEN_SECRET: junk })).toThrow(ConfigError)
		expect(() => makeAuth({ ...config, FSA_TOKEN_SECRET: junk })).toThrow('FSA_TOKEN_SECRET')
		expect(() => makeAuth({ ...config, ...keys, FSA_TOKEN_SIGN: junk })).toThrow('FSA_TOKEN_SIGN')
		// asymmetric algorithms need the public key
		const noKey = () => new SimpleAuth({ config: { FSA_AUTH: 'token', ...config } })
		expect(noKey).toThrow(ConfigError)
		expect(noKey).toThrow('FSA_TOKEN_SECRET must be the PEM public key')
	})

	it('a key of another type or another pair stops at construction', () => {
		const rsa = pems('RS256')
		const es = { FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ALGO: 'ES256' }
		expect(() => makeAuth({ ...es, ...rsa })).toThrow(
			'FSA_TOKEN_SECRET must be a PEM public key for ES256'
		)
		const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
		const wrongCurve = p384.publicKey.export({ type: 'spki', format: 'pem' }) as string
		expect(() => makeAuth({ ...es, FSA_TOKEN_SECRET: wrongCurve })).toThrow(ConfigError)
		const mixed = {
			FSA_TOKEN_SECRET: pems('ES256').FSA_TOKEN_SECRET,
			FSA_TOKEN_SIGN: pems('ES256').FSA_TOKEN_SIGN
		}
		expect(() => makeAuth({ ...es, ...mixed })).toThrow('FSA_TOKEN_SIGN must be the private key')
	})

	it('refuses the none algorithm in the configuration and unsigned tokens on requests', async () => {
		expect(() => makeAuth({ FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ALGO: 'none' })).toThrow('FSA_TOKEN_ALGO')
		const unsigned = new UnsecuredJWT({}).setSubject('calvin').setAudience('Test').setExpirationTime('1h')
		const res = await who(whoApp(makeAuth({ FSA_TOKEN_TYPE: 'jwt' })), { bearer: unsigned.encode() })
		expect(res.status).toBe(401)
		expect(res.text).toBe('invalid jwt token')
	})
})

/** Change one significant character of a token's signature. */
function tamper(token: string): string {
	if (token.includes(':')) return token.slice(0, -1) + (token.endsWith('f') ? 'e' : 'f')
	const [header, payload, signature] = token.split('.')
	return `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`
}

describe('expired and invalid token messages', () => {
	it.each(['fsa', 'jwt'])('%s: expired and tampered tokens say so', async (type) => {
		const start = new Date('2030-01-01T00:00:00Z')
		setSystemTime(start)
		const auth = makeAuth({ FSA_TOKEN_TYPE: type, FSA_CACHE: 'none' })
		const app = whoApp(auth)
		const token = await auth.createToken('calvin', { delayMinutes: 1 })
		const tampered = tamper(token)
		const invalid = await who(app, { bearer: tampered })
		expect(invalid.status).toBe(401)
		expect(invalid.text).toBe(type === 'fsa' ? 'invalid fsa auth token signature' : 'invalid jwt token')
		expect((await who(app, { bearer: token })).status).toBe(200)
		setSystemTime(new Date(start.getTime() + 2 * 60_000))
		const expired = await who(app, { bearer: token })
		expect(expired.status).toBe(401)
		expect(expired.text).toBe(`expired ${type} auth token`)
		expect((await who(app, { bearer: 'not an FSA token' })).text).toBe(
			type === 'fsa' ? 'invalid fsa token' : 'invalid jwt token'
		)
	})
})
