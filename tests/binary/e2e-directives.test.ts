/**
 * End to end, directive by directive: the compiled binary started with a TOML configuration
 * that sets each directive changing HTTP behaviour, checked over real HTTP; then every
 * directive given a bad value stops the binary at start with a message naming it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { SignJWT, decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose'
import { DIRECTIVES } from '../../src/auth/config/directives'
import { Binary, curl, http, toml, type Exit, type HttpResponse, type Server } from '../support/binary'
import { JwksServer, signToken, signingKey } from '../support/jwks-server'

const ACME_PASS = 'Acme-Pass-1'
const ACME = `acme:${ACME_PASS}`
const SECRET = 'e2e-directives-secret-0123456789'
/** What every configuration carries: cheap argon2 and a known token secret. */
const BASE = `FSA_PASSWORD_OPTS = { memory_cost = 64, time_cost = 1 }\nFSA_TOKEN_SECRET = "${SECRET}"\n`

const binary = new Binary('acme-directives-')
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString()
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

beforeAll(() => {
	binary.build()
})

afterAll(() => binary.cleanup())

/** Start the binary with BASE plus `config`, the admin acme and an in-memory database. */
function serve(config: string, options: { db?: string; host?: string; base?: string } = {}) {
	return binary.start({
		config: (options.base ?? BASE) + config,
		db: options.db,
		host: options.host,
		pass: ACME_PASS
	})
}

/** A server started before the tests of a describe block and stopped (exit 0) after them. */
function useServer(config: string, options: { db?: string; host?: string; base?: string } = {}) {
	const holder = {
		server: undefined as Server | undefined,
		url: (path: string) => `${holder.base}${path}`,
		base: ''
	}
	beforeAll(async () => {
		holder.server = await serve(config, options)
		holder.base = holder.server.base
	})
	afterAll(async () => {
		if (holder.server) expect((await holder.server.stop()).code).toBe(0)
	})
	return holder
}

/** An fsa token `realm:user:limit:signature`, signed here with node:crypto. */
/**
 * Acme binds tokens to the user's version: the admin, first user of a fresh database, has the
 * first version of its counter.
 */
const ADMIN_VERSION = 1_000_001

function fsaToken(user: string, realm: string, limit: number, hash = 'blake2s256', length = 16) {
	const data = `${realm}:${user}:${formatLimit(limit)}`
	const signature = createHash(hash)
		.update(`${data}:${SECRET}:${ADMIN_VERSION}`)
		.digest()
		.subarray(0, length)
		.toString('hex')
	return `${data}:${signature}`
}

const now = () => Math.floor(Date.now() / 1000)
const formatLimit = (seconds: number) =>
	new Date(seconds * 1000).toISOString().replace(/[-T:]/g, '').slice(0, 14)
const parseLimit = (limit: string) =>
	Date.parse(
		`${limit.slice(0, 4)}-${limit.slice(4, 6)}-${limit.slice(6, 8)}T${limit.slice(8, 10)}:${limit.slice(10, 12)}:${limit.slice(12, 14)}Z`
	) / 1000

const fsaHeaders = (res: HttpResponse) =>
	['fsa-request', 'fsa-user', 'fsa-delay'].map((name) => res.headers.get(name))

const me = (res: HttpResponse) => [res.status, res.json?.user]

describe('FSA_AUTH scalar, FSA_REALM, FSA_MODE prod, FSA_ADD_HEADERS', () => {
	const s = useServer(`
FSA_AUTH = "basic"
FSA_REALM = "zone"
FSA_MODE = "prod"
FSA_ADD_HEADERS = { "X-Acme" = "directives", "X-Team" = "e2e" }
`)

	test('FSA_AUTH = "basic" means token, basic and none; not param', async () => {
		expect((await http('GET', s.url('/hello'))).status).toBe(200)
		expect(me(await http('GET', s.url('/hello-me'), { basic: ACME }))).toEqual([200, 'acme'])
		const { token } = (await http('GET', s.url('/token'), { basic: ACME })).json
		expect(me(await http('GET', s.url('/hello-me'), { bearer: token }))).toEqual([200, 'acme'])
		const param = await http('GET', s.url(`/hello-me?USER=acme&PASS=${ACME_PASS}`))
		expect(param.status).toBe(401)
	})

	test('FSA_REALM names the basic and bearer challenges and starts fsa tokens', async () => {
		const res = await http('GET', s.url('/hello-me'))
		expect(res.status).toBe(401)
		expect(res.headers.get('www-authenticate')).toBe(
			'Basic realm="zone", charset="UTF-8", Bearer realm="zone"'
		)
		const { token } = (await http('GET', s.url('/token'), { basic: ACME })).json
		expect(token).toMatch(/^zone:acme:\d{14}:[0-9a-f]{32}$/)
		// the default FSA_TOKEN_DELAY: 60 minutes
		expect(Math.abs(parseLimit(token.split(':')[2]) - (now() + 3600))).toBeLessThan(10)
	})

	test('FSA_MODE prod adds no FSA-* headers', async () => {
		expect(fsaHeaders(await http('GET', s.url('/hello')))).toEqual([null, null, null])
		expect(fsaHeaders(await http('GET', s.url('/hello-me'), { basic: ACME }))).toEqual([null, null, null])
	})

	test('FSA_ADD_HEADERS are on successes and errors', async () => {
		for (const res of [
			await http('GET', s.url('/hello')),
			await http('GET', s.url('/hello-me')),
			await http('GET', s.url('/nowhere'))
		]) {
			expect(res.headers.get('x-acme')).toBe('directives')
			expect(res.headers.get('x-team')).toBe('e2e')
		}
	})

	test('without FSA_TOKEN_GRACE an expired token is refused', async () => {
		const expired = fsaToken('acme', 'zone', now() - 120)
		const res = await http('GET', s.url('/hello-me'), { bearer: expired })
		expect([res.status, res.text]).toEqual([401, 'expired fsa auth token'])
		expect(
			(await http('GET', s.url('/hello-me'), { bearer: fsaToken('acme', 'zone', now() + 60) })).status
		).toBe(200)
	})

	test('defaults the other servers change: unexpected parameters, content type, bodies, throttling', async () => {
		expect((await http('GET', s.url('/primes?li=7&extra=1'))).status).toBe(400)
		const added = await http('POST', s.url('/stuff'), {
			basic: ACME,
			json: { stuff: 'x'.repeat(900), price: 1 }
		})
		expect(added.status).toBe(201)
		expect(added.headers.get('content-type')).toBe('text/plain; charset=utf-8')
		const preflight = await http('OPTIONS', s.url('/stuff'), {
			headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' }
		})
		expect(preflight.status).not.toBe(204)
		expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
		// the default FSA_THROTTLE_LOGIN: 10 failures, then 429 even for the right password (last:
		// acme is locked out of this server from now on)
		for (let i = 0; i < 10; i++)
			expect((await http('GET', s.url('/hello-me'), { basic: 'acme:wrong' })).status).toBe(401)
		expect((await http('GET', s.url('/hello-me'), { basic: ACME })).status).toBe(429)
	})
})

describe('FSA_AUTH_DEFAULT token, FSA_MODE dev, FSA_PARAM_*, FSA_ERROR_RESPONSE json:KEY, FSA_TOKEN_GRACE', () => {
	const s = useServer(`
FSA_AUTH = ["token", "basic", "param", "none"]
FSA_AUTH_DEFAULT = "token"
FSA_MODE = "dev"
FSA_PARAM_USER = "who"
FSA_PARAM_PASS = "secret"
FSA_ERROR_RESPONSE = "json:error"
FSA_TOKEN_GRACE = 5.0
`)

	test('FSA_AUTH_DEFAULT = "token": hello-me refuses basic, /hello stays open, GET /token takes basic', async () => {
		const refused = await http('GET', s.url('/hello-me'), { basic: ACME })
		expect(refused.status).toBe(401)
		expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="acme"')
		expect((await http('GET', s.url('/hello'))).status).toBe(200)
		const got = await http('GET', s.url('/token'), { basic: ACME })
		expect(got.status).toBe(200)
		expect(me(await http('GET', s.url('/hello-me'), { bearer: got.json.token }))).toEqual([200, 'acme'])
	})

	test('FSA_MODE dev adds FSA-Request, FSA-User and FSA-Delay', async () => {
		const open = await http('GET', s.url('/hello?'))
		expect(fsaHeaders(open)).toEqual(['GET /hello', 'None (None)', expect.stringMatching(/^\d+\.\d{6}$/)])
		const { token } = (await http('GET', s.url('/token'), { basic: ACME })).json
		const auth = await http('GET', s.url('/hello-me'), { bearer: token })
		expect(fsaHeaders(auth).slice(0, 2)).toEqual(['GET /hello-me', 'acme (token)'])
		const failed = await http('GET', s.url('/hello-me'))
		expect(failed.headers.get('fsa-request')).toBe('GET /hello-me')
	})

	test('FSA_PARAM_USER and FSA_PARAM_PASS name the param scheme parameters', async () => {
		const posted = await http('POST', s.url('/token'), { form: { who: 'acme', secret: ACME_PASS } })
		expect(posted.status).toBe(201)
		expect(posted.json.token).toMatch(/^acme:acme:/)
		const query = await http('GET', s.url(`/token?who=acme&secret=${ACME_PASS}`))
		expect([query.status, query.headers.get('fsa-user')]).toEqual([200, 'acme (param)'])
		const others: Record<string, string>[] = [
			{ username: 'acme', password: ACME_PASS },
			{ USER: 'acme', PASS: ACME_PASS }
		]
		for (const form of others) expect((await http('POST', s.url('/token'), { form })).status).toBe(401)
		const missing = await http('POST', s.url('/token'), { form: { who: 'acme' } })
		expect([missing.status, missing.json]).toEqual([
			401,
			{ error: 'missing param password parameter: secret' }
		])
	})

	test('FSA_ERROR_RESPONSE = "json:error" renders errors as {"error": message}', async () => {
		const missing = await http('GET', s.url('/hello-me'))
		expect([missing.status, missing.json]).toEqual([401, { error: 'missing authentication' }])
		expect(missing.headers.get('content-type')).toStartWith('application/json')
		const notFound = await http('GET', s.url('/nowhere'))
		expect([notFound.status, notFound.json]).toEqual([404, { error: 'not found' }])
		const wrong = await http('DELETE', s.url('/stuff'))
		expect([wrong.status, wrong.json, wrong.headers.get('allow')]).toEqual([
			405,
			{ error: 'method not allowed' },
			'GET, HEAD, POST'
		])
	})

	test('FSA_TOKEN_GRACE = 5 accepts a token expired 2 minutes ago, not 10', async () => {
		const late = await http('GET', s.url('/hello-me'), { bearer: fsaToken('acme', 'acme', now() - 120) })
		expect(me(late)).toEqual([200, 'acme'])
		const tooLate = await http('GET', s.url('/hello-me'), {
			bearer: fsaToken('acme', 'acme', now() - 600)
		})
		expect([tooLate.status, tooLate.json]).toEqual([401, { error: 'expired fsa auth token' }])
	})
})

describe('FSA_ERROR_RESPONSE json, FSA_HANDLE_ALL_ERRORS, FSA_NOT_FOUND_ERROR, FSA_REJECT_UNEXPECTED_PARAM, FSA_DEFAULT_CONTENT_TYPE, FSA_THROTTLE', () => {
	const s = useServer(`
FSA_AUTH = ["basic", "httpd", "none"]
FSA_ERROR_RESPONSE = "json"
FSA_HANDLE_ALL_ERRORS = false
FSA_NOT_FOUND_ERROR = 410
FSA_REJECT_UNEXPECTED_PARAM = false
FSA_DEFAULT_CONTENT_TYPE = "text/x-acme; charset=utf-8"
FSA_THROTTLE = false
`)

	test('FSA_ERROR_RESPONSE = "json" renders errors as a JSON string', async () => {
		const res = await http('GET', s.url('/hello-me'))
		expect([res.status, res.text]).toEqual([401, '"missing authentication"'])
		expect(res.headers.get('content-type')).toStartWith('application/json')
	})

	test('FSA_HANDLE_ALL_ERRORS = false leaves 404 and 405 plain despite json errors', async () => {
		const missing = await http('GET', s.url('/nowhere'))
		expect([missing.status, missing.text]).toEqual([404, 'not found'])
		expect(missing.headers.get('content-type')).toStartWith('text/plain')
		const wrong = await http('DELETE', s.url('/stuff'))
		expect([wrong.status, wrong.text, wrong.headers.get('allow')]).toEqual([
			405,
			'method not allowed',
			'GET, HEAD, POST'
		])
	})

	test('FSA_NOT_FOUND_ERROR = 410 when PATCH finds no stuff', async () => {
		const res = await http('PATCH', s.url('/stuff/nothing'), { basic: ACME, json: { price: 1 } })
		expect([res.status, res.json]).toEqual([410, 'object not found'])
	})

	test('FSA_REJECT_UNEXPECTED_PARAM = false ignores an undeclared parameter', async () => {
		const res = await http('GET', s.url('/primes?li=7&li=8&extra=1'))
		expect([res.status, res.json]).toEqual([200, [7]])
	})

	test('FSA_DEFAULT_CONTENT_TYPE types the text a route returns', async () => {
		const res = await http('POST', s.url('/stuff'), { basic: ACME, json: { stuff: 'pen', price: 1 } })
		expect([res.status, res.text]).toEqual([201, 'stuff added: pen'])
		expect(res.headers.get('content-type')).toBe('text/x-acme; charset=utf-8')
		// JSON stays JSON
		expect((await http('GET', s.url('/hello'))).headers.get('content-type')).toStartWith(
			'application/json'
		)
	})

	test('FSA_THROTTLE = false: 12 failures, then the right password still works', async () => {
		for (let i = 0; i < 12; i++)
			expect((await http('GET', s.url('/hello-me'), { basic: 'acme:wrong' })).status).toBe(401)
		expect(me(await http('GET', s.url('/hello-me'), { basic: ACME }))).toEqual([200, 'acme'])
	})

	test('without FSA_TRUSTED_PROXIES the httpd header is refused', async () => {
		const res = await http('GET', s.url('/hello-me'), { headers: { 'X-Remote-User': 'bob' } })
		expect([res.status, res.json]).toEqual([401, 'httpd authentication header from an untrusted peer'])
	})
})

describe('FSA_FAKE_LOGIN, FSA_HTTPD_HEADER, FSA_TRUSTED_PROXIES, FSA_SECURE on loopback', () => {
	const s = useServer(`
FSA_AUTH = ["fake", "httpd", "basic", "none"]
FSA_FAKE_LOGIN = "as_user"
FSA_HTTPD_HEADER = "X-Proxy-User"
FSA_TRUSTED_PROXIES = ["127.0.0.1"]
FSA_SECURE = true
`)

	test('FSA_FAKE_LOGIN: the fake scheme reads its parameter from 127.0.0.1', async () => {
		const res = await http('GET', s.url('/hello-me?as_user=zoe'))
		expect([...me(res), res.json?.msg]).toEqual([200, 'zoe', 'hello'])
		expect((await http('GET', s.url('/hello-me?LOGIN=zoe'))).status).toBe(401)
	})

	test('FSA_HTTPD_HEADER and FSA_TRUSTED_PROXIES: the user a trusted proxy names', async () => {
		expect(me(await http('GET', s.url('/hello-me'), { headers: { 'X-Proxy-User': 'bob' } }))).toEqual([
			200,
			'bob'
		])
		expect((await http('GET', s.url('/hello-me'), { headers: { 'X-Remote-User': 'bob' } })).status).toBe(
			401
		)
	})

	test('FSA_SECURE: X-Forwarded-Proto http from a loopback proxy does not break loopback', async () => {
		const headers = { 'X-Forwarded-Proto': 'http', 'X-Forwarded-For': '127.0.0.1' }
		expect((await http('GET', s.url('/hello'), { headers })).status).toBe(200)
		expect(me(await http('GET', s.url('/hello-me'), { basic: ACME, headers }))).toEqual([200, 'acme'])
	})
})

/** A non-loopback IPv4 address of this host, to be a non-loopback client of itself. */
const LOCAL_ADDRESS = Object.values(networkInterfaces())
	.flat()
	.find((info) => info && info.family === 'IPv4' && !info.internal)?.address

describe.skipIf(LOCAL_ADDRESS === undefined)(
	`FSA_SECURE from a non-loopback address (${LOCAL_ADDRESS})`,
	() => {
		const secure = useServer(
			`FSA_AUTH = ["basic", "none"]\nFSA_TRUSTED_PROXIES = ["${LOCAL_ADDRESS}"]\n`,
			{
				host: LOCAL_ADDRESS
			}
		)
		const insecure = useServer(`FSA_AUTH = ["fake", "none"]\nFSA_SECURE = false\n`, {
			host: LOCAL_ADDRESS
		})

		test('FSA_SECURE (default true) refuses plain HTTP; https through a trusted proxy passes', async () => {
			const plain = await http('GET', secure.url('/hello'))
			expect([plain.status, plain.text]).toEqual([403, 'insecure HTTP request denied'])
			const proxied = await http('GET', secure.url('/hello'), {
				headers: { 'X-Forwarded-Proto': 'https' }
			})
			expect(proxied.status).toBe(200)
		})

		test('FSA_SECURE = false lets plain HTTP through; fake stays loopback only', async () => {
			expect((await http('GET', insecure.url('/hello'))).status).toBe(200)
			const fake = await http('GET', insecure.url('/hello-me?LOGIN=zoe'))
			expect([fake.status, fake.text]).toEqual([401, 'fake authentication is local only'])
		})
	}
)

describe('FSA_TOKEN_TYPE jwt, FSA_TOKEN_ALGO HS512, FSA_TOKEN_ISSUER, FSA_TOKEN_CARRIER header, FSA_TOKEN_NAME', () => {
	const s = useServer(`
FSA_AUTH = ["token", "basic", "none"]
FSA_TOKEN_TYPE = "jwt"
FSA_TOKEN_ALGO = "HS512"
FSA_TOKEN_ISSUER = "acme-issuer"
FSA_TOKEN_CARRIER = "header"
FSA_TOKEN_NAME = "X-Acme-Token"
FSA_TOKEN_DELAY = 2.0
`)

	test('a JWT: three parts, HS512, the iss claim, signed with FSA_TOKEN_SECRET', async () => {
		const { token } = (await http('GET', s.url('/token'), { basic: ACME })).json
		expect(token.split('.')).toHaveLength(3)
		expect(decodeProtectedHeader(token).alg).toBe('HS512')
		const claims = decodeJwt(token)
		expect(claims).toMatchObject({ iss: 'acme-issuer', sub: 'acme', aud: 'acme' })
		expect(Math.abs((claims.exp as number) - (now() + 120))).toBeLessThan(10)
		const verified = await jwtVerify(token, new TextEncoder().encode(SECRET), { algorithms: ['HS512'] })
		expect(verified.payload.sub).toBe('acme')
	})

	test('FSA_TOKEN_CARRIER header with FSA_TOKEN_NAME: the token travels in X-Acme-Token', async () => {
		const { token } = (await http('GET', s.url('/token'), { basic: ACME })).json
		expect(me(await http('GET', s.url('/hello-me'), { headers: { 'X-Acme-Token': token } }))).toEqual([
			200,
			'acme'
		])
		expect((await http('GET', s.url('/hello-me'), { bearer: token })).status).toBe(401)
		expect((await http('GET', s.url('/hello-me'), { headers: { Auth: token } })).status).toBe(401)
		// no bearer challenge for a header carrier
		const res = await http('GET', s.url('/hello-me'))
		expect(res.headers.get('www-authenticate')).toBe('Basic realm="acme", charset="UTF-8"')
	})

	test('a JWT of another issuer is refused', async () => {
		const key = new TextEncoder().encode(SECRET)
		const sign = (issuer: string) =>
			new SignJWT({ ver: String(ADMIN_VERSION) })
				.setProtectedHeader({ alg: 'HS512' })
				.setSubject('acme')
				.setAudience('acme')
				.setIssuer(issuer)
				.setExpirationTime('5m')
				.sign(key)
		const call = async (issuer: string) =>
			(await http('GET', s.url('/hello-me'), { headers: { 'X-Acme-Token': await sign(issuer) } }))
				.status
		expect([await call('acme-issuer'), await call('someone-else')]).toEqual([200, 401])
	})
})

describe('FSA_TOKEN_ISSUERS: tokens of an identity provider on oauth', () => {
	const idp = new JwksServer()
	afterAll(() => idp.stop())
	const s = useServer(`FSA_AUTH = ["token", "oauth", "basic", "none"]
FSA_TOKEN_ISSUERS = { "https://idp.example" = { jwks_uri = "${idp.uri}", audience = "acme", algorithms = ["ES256"] } }
`)

	test('accepts a token of the provider for a local user, and refuses others', async () => {
		const key = await signingKey('idp-1', 'ES256')
		idp.keys = [key]
		const claims = { iss: 'https://idp.example', aud: 'acme' }
		const ok = await http('GET', s.url('/hello-me'), {
			bearer: await signToken(key, { ...claims, sub: 'acme' })
		})
		expect(ok.status).toBe(200)
		expect(ok.json).toEqual({ msg: 'hello', user: 'acme' })
		const stranger = await signToken(key, { ...claims, sub: 'nobody' })
		expect((await http('GET', s.url('/hello-me'), { bearer: stranger })).status).toBe(401)
		const elsewhere = await signToken(key, { ...claims, sub: 'acme', aud: 'other' })
		expect((await http('GET', s.url('/hello-me'), { bearer: elsewhere })).status).toBe(401)
		expect(idp.fetches).toBe(1)
		// the service's own tokens and passwords keep working
		expect((await http('GET', s.url('/hello-me'), { basic: ACME })).status).toBe(200)
	})
})

describe('FSA_TOKEN_ALGO sha256, FSA_TOKEN_LENGTH, FSA_TOKEN_ISSUER, FSA_TOKEN_DELAY, FSA_TOKEN_CARRIER param', () => {
	const s = useServer(`
FSA_AUTH = ["token", "basic", "none"]
FSA_TOKEN_ALGO = "sha256"
FSA_TOKEN_LENGTH = 20
FSA_TOKEN_ISSUER = "issuer"
FSA_TOKEN_DELAY = 5.0
FSA_TOKEN_CARRIER = "param"
FSA_TOKEN_NAME = "tok"
`)

	test('an fsa token: acme/issuer prefix, 40 hex characters of sha256, limit about now + 5 minutes', async () => {
		const { token } = (await http('GET', s.url('/token'), { basic: ACME })).json
		expect(token).toMatch(/^acme\/issuer:acme:\d{14}:[0-9a-f]{40}$/)
		const [realm, user, limit, signature] = token.split(':')
		expect(Math.abs(parseLimit(limit) - (now() + 300))).toBeLessThan(10)
		const data = `${realm}:${user}:${limit}`
		const sha256 = createHash('sha256')
			.update(`${data}:${SECRET}:${ADMIN_VERSION}`)
			.digest()
			.subarray(0, 20)
		expect(signature).toBe(sha256.toString('hex'))
	})

	test('FSA_TOKEN_CARRIER param with FSA_TOKEN_NAME tok', async () => {
		const { token } = (await http('GET', s.url('/token'), { basic: ACME })).json
		const query = (name: string) => s.url(`/hello-me?${name}=${encodeURIComponent(token)}`)
		expect(me(await http('GET', query('tok')))).toEqual([200, 'acme'])
		expect((await http('GET', query('AUTH'))).status).toBe(401)
		expect((await http('GET', s.url('/hello-me'), { bearer: token })).status).toBe(401)
		const form = await http('POST', s.url('/stuff'), { form: { tok: token, stuff: 'cup', price: '2' } })
		expect(form.status).toBe(201)
	})

	test('a token of the default realm (no issuer) or hash is refused', async () => {
		const limit = now() + 60
		const good = fsaToken('acme', 'acme/issuer', limit, 'sha256', 20)
		expect((await http('GET', s.url(`/hello-me?tok=${good}`))).status).toBe(200)
		for (const bad of [
			fsaToken('acme', 'acme', limit, 'sha256', 20),
			fsaToken('acme', 'acme/issuer', limit)
		])
			expect((await http('GET', s.url(`/hello-me?tok=${bad}`))).status).toBe(401)
	})
})

describe('FSA_TOKEN_CARRIER cookie, FSA_TOKEN_NAME, FSA_TOKEN_RENEWAL', () => {
	const renewing = useServer(`
FSA_AUTH = ["token", "basic", "none"]
FSA_TOKEN_CARRIER = "cookie"
FSA_TOKEN_NAME = "acme_session"
FSA_TOKEN_DELAY = 10.0
FSA_TOKEN_RENEWAL = 0.5
`)
	const always = useServer(`
FSA_AUTH = ["token", "basic", "none"]
FSA_TOKEN_CARRIER = "cookie"
`)
	const cookieOf = (setCookie: string | null) => setCookie?.match(/^([^=]+)=([^;]+)/)?.slice(1)

	test('basic authentication sets the token cookie; the cookie alone then authenticates', async () => {
		const res = curl('-u', ACME, renewing.url('/hello-me'))
		expect(res.status).toBe(200)
		expect(res.headers['set-cookie']).toMatch(
			/^acme_session=acme:acme:\d{14}:[0-9a-f]{32}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/
		)
		const [name, token] = cookieOf(res.headers['set-cookie'])!
		const again = await http('GET', renewing.url('/hello-me'), {
			headers: { cookie: `${name}=${token}` }
		})
		expect(me(again)).toEqual([200, 'acme'])
		expect(
			(await http('GET', renewing.url('/hello-me'), { headers: { cookie: `auth=${token}` } })).status
		).toBe(401)
	})

	test('FSA_TOKEN_RENEWAL = 0.5: a fresh cookie is kept, one with less than half its delay is renewed, never past its token', async () => {
		const fresh = fsaToken('acme', 'acme', now() + 590)
		const kept = await http('GET', renewing.url('/hello-me'), {
			headers: { cookie: `acme_session=${fresh}` }
		})
		expect([kept.status, kept.headers.get('set-cookie')]).toEqual([200, null])
		const old = fsaToken('acme', 'acme', now() + 120)
		const renewed = await http('GET', renewing.url('/hello-me'), {
			headers: { cookie: `acme_session=${old}` }
		})
		expect(renewed.status).toBe(200)
		const setCookie = renewed.headers.get('set-cookie')!
		const [, token] = cookieOf(setCookie)!
		// the absolute lifetime holds: the renewal ends when the token presented does
		expect(parseLimit(token.split(':')[2])).toBeLessThanOrEqual(parseLimit(old.split(':')[2]))
		expect(Number(/Max-Age=(\d+)/.exec(setCookie)![1])).toBeLessThanOrEqual(120)
	})

	test('without FSA_TOKEN_RENEWAL every authenticated response renews the cookie "auth"', async () => {
		const fresh = fsaToken('acme', 'acme', now() + 3500)
		const res = await http('GET', always.url('/hello-me'), { headers: { cookie: `auth=${fresh}` } })
		expect(res.status).toBe(200)
		expect(cookieOf(res.headers.get('set-cookie'))?.[0]).toBe('auth')
	})
})

describe('FSA_TOKEN_SIGN: asymmetric JWT (ES256)', () => {
	const common = `FSA_PASSWORD_OPTS = { memory_cost = 64, time_cost = 1 }
FSA_AUTH = ["token", "basic", "none"]
FSA_TOKEN_TYPE = "jwt"
FSA_TOKEN_ALGO = "ES256"
FSA_TOKEN_SECRET = '''
${PUBLIC_PEM}'''
`
	const signing = useServer(`FSA_TOKEN_SIGN = '''\n${PRIVATE_PEM}'''\n`, { base: common })
	const verifying = useServer('', { base: common })

	test('with FSA_TOKEN_SIGN the service issues ES256 tokens the public key verifies', async () => {
		const { token } = (await http('GET', signing.url('/token'), { basic: ACME })).json
		expect(decodeProtectedHeader(token).alg).toBe('ES256')
		const verified = await jwtVerify(token, await importSPKI(PUBLIC_PEM, 'ES256'))
		expect(verified.payload.sub).toBe('acme')
		expect(me(await http('GET', signing.url('/hello-me'), { bearer: token }))).toEqual([200, 'acme'])
	})

	test('without it, no token is issued (only the logout route), but tokens signed elsewhere are verified', async () => {
		const issue = await http('GET', verifying.url('/token'), { basic: ACME })
		expect([issue.status, issue.headers.get('allow')]).toEqual([405, 'DELETE'])
		const token = await new SignJWT({})
			.setProtectedHeader({ alg: 'ES256' })
			.setSubject('acme')
			.setAudience('acme')
			.setExpirationTime('5m')
			.sign(privateKey)
		expect(me(await http('GET', verifying.url('/hello-me'), { bearer: token }))).toEqual([200, 'acme'])
	})
})

describe('FSA_PASSWORD_SCHEME bcrypt, FSA_PASSWORD_OPTS, FSA_PASSWORD_LENGTH, FSA_PASSWORD_RE, FSA_TOKEN_TYPE none', () => {
	const db = join(binary.dir, 'passwords.db')
	const s = useServer(
		`
FSA_AUTH = ["basic", "none"]
FSA_TOKEN_SECRET = "${SECRET}"
FSA_TOKEN_TYPE = "none"
FSA_PASSWORD_SCHEME = "bcrypt"
FSA_PASSWORD_OPTS = { rounds = 4 }
FSA_PASSWORD_LENGTH = 8
FSA_PASSWORD_RE = ["[A-Z]", "[a-z]", "[0-9]"]
`,
		{ base: '', db }
	)
	const addUser = (login: string, password: string) =>
		http('POST', s.url('/user'), { basic: ACME, json: { login, password, email: `${login}@acme.org` } })

	test('weak passwords are a 400 with FlaskSimpleAuth messages', async () => {
		for (const [password, message] of [
			['Sh0rt', 'password is too short, must be at least 8'],
			['lowercase-only-1', 'password must match [A-Z]'],
			['UPPERCASE-ONLY-1', 'password must match [a-z]'],
			['No-Digits-Here', 'password must match [0-9]']
		]) {
			const res = await addUser('weakling', password)
			expect([res.status, res.text]).toEqual([400, message])
		}
	})

	test('a bcrypt user (4 rounds) is created and logs in', async () => {
		expect((await addUser('calvin', 'Hobbes-2020')).status).toBe(201)
		expect(me(await http('GET', s.url('/hello-me'), { basic: 'calvin:Hobbes-2020' }))).toEqual([
			200,
			'calvin'
		])
		expect((await http('GET', s.url('/hello-me'), { basic: 'calvin:Hobbes-2021' })).status).toBe(401)
		const store = new Database(db, { readonly: true })
		try {
			const rows = store
				.query<{ login: string; password: string }, []>('SELECT login, password FROM users')
				.all()
			expect(rows.map((row) => row.login).sort()).toEqual(['acme', 'calvin'])
			for (const row of rows) expect(row.password).toMatch(/^\$2[aby]\$04\$/)
		} finally {
			store.close()
		}
	})

	test('FSA_TOKEN_TYPE = "none": no token routes, bearer tokens are not a scheme', async () => {
		expect((await http('GET', s.url('/token'), { basic: ACME })).status).toBe(404)
		const bearer = await http('GET', s.url('/hello-me'), { bearer: fsaToken('acme', 'acme', now() + 60) })
		expect(bearer.status).toBe(401)
	})
})

describe('FSA_401_REDIRECT, FSA_URL_NAME, FSA_CORS, FSA_CORS_OPTS, FSA_MAX_BODY, FSA_CACHE none, FSA_AUTHZ_GROUPS', () => {
	const s = useServer(`
FSA_AUTH = ["basic", "none"]
FSA_401_REDIRECT = "/login"
FSA_URL_NAME = "next"
FSA_CORS = true
FSA_CORS_OPTS = { origin = "https://app.example", allowedHeaders = ["Authorization", "X-Custom"], methods = ["GET", "POST"], maxAge = 600 }
FSA_MAX_BODY = 256
FSA_CACHE = "none"
FSA_AUTHZ_GROUPS = ["admin"]
`)

	test('FSA_401_REDIRECT and FSA_URL_NAME: a 401 becomes a 307 to the login page', async () => {
		const get = await http('GET', s.url('/hello-me?x=1'), { redirect: 'manual' })
		expect(get.status).toBe(307)
		expect(get.headers.get('location')).toBe(`/login?next=${encodeURIComponent(s.url('/hello-me?x=1'))}`)
		const post = await http('POST', s.url('/stuff'), {
			redirect: 'manual',
			json: { stuff: 'a', price: 1 }
		})
		expect([post.status, post.headers.get('location')]).toEqual([307, '/login'])
		expect((await http('GET', s.url('/hello-me'), { basic: ACME, redirect: 'manual' })).status).toBe(200)
	})

	test('FSA_CORS and FSA_CORS_OPTS: a preflight is a 204 with the allowed origin, methods and headers', async () => {
		const res = curl(
			'-X',
			'OPTIONS',
			'-H',
			'Origin: https://app.example',
			'-H',
			'Access-Control-Request-Method: POST',
			'-H',
			'Access-Control-Request-Headers: X-Custom',
			s.url('/stuff')
		)
		expect(res.status).toBe(204)
		expect(res.headers['access-control-allow-origin']).toBe('https://app.example')
		expect(res.headers['access-control-allow-headers']).toContain('X-Custom')
		expect(res.headers['access-control-allow-methods']).toContain('POST')
		expect(res.headers['access-control-max-age']).toBe('600')
		const simple = await http('GET', s.url('/hello'), { headers: { origin: 'https://app.example' } })
		expect(simple.headers.get('access-control-allow-origin')).toBe('https://app.example')
	})

	test('FSA_MAX_BODY = 256: a body of 256 bytes passes, 257 is a 413', async () => {
		// {"stuff":"…","price":1} is 22 bytes around the name
		const post = (name: string) =>
			http('POST', s.url('/stuff'), { basic: ACME, json: { stuff: name, price: 1 } })
		expect((await post('a'.repeat(234))).status).toBe(201)
		// Bun.serve refuses it before the framework sees it: no body, but nothing is stored
		expect((await post('b'.repeat(235))).status).toBe(413)
		const stored = (await http('GET', s.url('/stuff'), { basic: ACME })).json as [string, number][]
		expect(stored.map(([name]) => name[0])).toEqual(['a'])
	})

	test('FSA_CACHE = "none": authentication, groups and permissions still work', async () => {
		const mace = { login: 'mace', password: 'M@c1!', email: 'mace@acme.org' }
		expect((await http('POST', s.url('/user'), { basic: ACME, json: mace })).status).toBe(201)
		for (let i = 0; i < 2; i++) {
			expect(me(await http('GET', s.url('/hello-me'), { basic: 'mace:M@c1!' }))).toEqual([200, 'mace'])
			expect(
				(await http('GET', s.url('/hello-me'), { basic: 'mace:wrong', redirect: 'manual' })).status
			).toBe(307)
		}
		expect(
			(await http('POST', s.url('/stuff'), { basic: 'mace:M@c1!', json: { stuff: 'bear', price: 2 } }))
				.status
		).toBe(201)
		const patch = (basic: string) => http('PATCH', s.url('/stuff/bear'), { basic, json: { price: 3 } })
		expect([(await patch(ACME)).status, (await patch('mace:M@c1!')).status]).toEqual([403, 200])
	})

	test('FSA_AUTHZ_GROUPS = ["admin"]: the admin group works; others are 403', async () => {
		const carl = { login: 'carl', password: 'C@rl1!', email: 'carl@acme.org' }
		expect((await http('POST', s.url('/user'), { basic: ACME, json: carl })).status).toBe(201)
		const other = { login: 'dora', password: 'D0ra!', email: 'dora@acme.org' }
		expect((await http('POST', s.url('/user'), { basic: 'carl:C@rl1!', json: other })).status).toBe(403)
	})

	test('FSA_AUTHZ_GROUPS = ["other"]: the binary refuses to start, naming the admin group', async () => {
		const exit = await binary.run({
			config: `${BASE}FSA_AUTH = ["basic", "none"]\nFSA_AUTHZ_GROUPS = ["other"]\n`
		})
		expect(exit.killed).toBe(false)
		expect(exit.code).toBeGreaterThan(0)
		expect(exit.stderr).toContain('"admin"')
	})
})

describe('FSA_THROTTLE_LOGIN, FSA_THROTTLE_ADDRESS, FSA_THROTTLE_WINDOW', () => {
	const s = useServer(`
FSA_AUTH = ["basic", "none"]
FSA_THROTTLE_LOGIN = 3
FSA_THROTTLE_ADDRESS = 5
FSA_THROTTLE_WINDOW = 0.03
`)

	test('3 failures for a login, then 429 with Retry-After even for the right password, until the window ends', async () => {
		for (let i = 0; i < 3; i++)
			expect((await http('GET', s.url('/hello-me'), { basic: 'acme:wrong' })).status).toBe(401)
		const refused = await http('GET', s.url('/hello-me'), { basic: ACME })
		expect([refused.status, refused.text]).toEqual([
			429,
			'too many failed authentication attempts, retry later'
		])
		const retry = Number(refused.headers.get('retry-after'))
		expect(retry).toBeGreaterThanOrEqual(1)
		expect(retry).toBeLessThanOrEqual(2)
		// 5 failures from this address across logins: any login is refused
		for (const login of ['ghost', 'spook'])
			expect((await http('GET', s.url('/hello-me'), { basic: `${login}:boo` })).status).toBe(401)
		expect((await http('GET', s.url('/hello-me'), { basic: 'phantom:boo' })).status).toBe(429)
		// FSA_THROTTLE_WINDOW = 0.03 minutes: 1.8 s later the failures are forgotten
		await Bun.sleep(retry * 1000 + 200)
		expect(me(await http('GET', s.url('/hello-me'), { basic: ACME }))).toEqual([200, 'acme'])
	})
})

/** A value of the wrong type for a directive's schema. */
function wrongType(schema: object): unknown {
	switch ((schema as { type?: string }).type) {
		case 'string':
			return 42
		case 'number':
		case 'integer':
			return 'ten'
		case 'boolean':
			return 'yes'
		case 'array':
			return 7
		case 'object':
			return 'table'
		default: // unions (FSA_AUTH, FSA_AUTH_DEFAULT)
			return 42
	}
}

const JWT_ES256 = { FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ALGO: 'ES256', FSA_TOKEN_SECRET: PUBLIC_PEM }

/** Values of the right type that are out of range, unknown, inconsistent or unusable in HTTP. */
const BAD_VALUES: [name: string, value: unknown, others?: Record<string, unknown>][] = [
	['FSA_AUTH', ['basic', 'pasword']],
	['FSA_AUTH', []],
	['FSA_AUTH', ['oauth', 'basic']],
	['FSA_AUTH_DEFAULT', 'fake'],
	['FSA_REALM', ''],
	['FSA_REALM', 'two\nlines'],
	['FSA_PARAM_USER', ''],
	['FSA_HTTPD_HEADER', 'X Remote User'],
	['FSA_TRUSTED_PROXIES', ['proxy.example']],
	['FSA_TOKEN_TYPE', 'paseto'],
	['FSA_TOKEN_CARRIER', 'pigeon'],
	['FSA_TOKEN_NAME', 'Bad Name'],
	['FSA_TOKEN_NAME', 'sess;ion', { FSA_TOKEN_CARRIER: 'cookie' }],
	['FSA_TOKEN_SECRET', 'too-short'],
	['FSA_TOKEN_SECRET', 'this is not a PEM public key', JWT_ES256],
	['FSA_TOKEN_SIGN', 'not a PEM key', JWT_ES256],
	['FSA_TOKEN_DELAY', 0],
	['FSA_TOKEN_GRACE', -1],
	['FSA_TOKEN_LENGTH', 4],
	['FSA_TOKEN_LENGTH', 65],
	['FSA_TOKEN_ALGO', 'md5'],
	['FSA_TOKEN_ALGO', 'sha256', { FSA_TOKEN_TYPE: 'jwt' }],
	['FSA_TOKEN_ISSUER', 'acme:issuer'],
	['FSA_TOKEN_ISSUER', 'two\nlines', { FSA_TOKEN_TYPE: 'jwt' }],
	['FSA_TOKEN_RENEWAL', 1.5],
	['FSA_TOKEN_ISSUERS', { 'https://idp.example': 'x' }],
	[
		'FSA_TOKEN_ISSUERS',
		{
			'https://idp.example': {
				jwks_uri: 'https://idp.example/jwks',
				audience: 'acme',
				algorithms: ['HS256']
			}
		}
	],
	[
		'FSA_TOKEN_ISSUERS',
		{
			'https://idp.example': {
				jwks_uri: 'http://idp.example/jwks',
				audience: 'acme',
				algorithms: ['RS256']
			}
		}
	],
	[
		'FSA_TOKEN_ISSUERS',
		{ 'https://idp.example': { jwks_uri: 'https://idp.example/jwks', algorithms: ['RS256'] } }
	],
	['FSA_PASSWORD_SCHEME', 'md5'],
	['FSA_PASSWORD_OPTS', { rounds: 12 }],
	['FSA_PASSWORD_OPTS', { memory_cost: 0 }],
	['FSA_PASSWORD_LENGTH', -1],
	['FSA_PASSWORD_RE', ['[A-Z']],
	['FSA_MODE', 'production'],
	['FSA_ERROR_RESPONSE', 'xml'],
	['FSA_ERROR_RESPONSE', 'json:'],
	['FSA_ADD_HEADERS', { Application: 3 }],
	['FSA_ADD_HEADERS', { 'Bad Header': 'x' }],
	['FSA_ADD_HEADERS', { 'X-Injected': 'a\r\nSet-Cookie: x=1' }],
	['FSA_DEFAULT_CONTENT_TYPE', 'text/plain\r\nX-Injected: 1'],
	['FSA_NOT_FOUND_ERROR', 200],
	['FSA_SERVER_ERROR', 404],
	['FSA_SERVER_ERROR', 600],
	['FSA_401_REDIRECT', '/login\r\nX-Injected: 1'],
	['FSA_URL_NAME', 'next\n'],
	['FSA_CORS_OPTS', { orign: 'https://app.example' }, { FSA_CORS: true }],
	['FSA_MAX_BODY', 0],
	['FSA_MAX_PARAMS', 0],
	['FSA_MAX_DEPTH', 0],
	['FSA_THROTTLE_WINDOW', 0],
	['FSA_THROTTLE_LOGIN', 0],
	['FSA_THROTTLE_ADDRESS', 0],
	['FSA_CACHE', 'memcached'],
	['FSA_CACHE_SIZE', 0],
	['FSA_CACHE_OPTS', { ttl: 0 }],
	['FSA_CACHE_OPTS', { tll: 60 }],
	['FSA_AUTHZ_GROUPS', ['']],
	['FSA_AUTHZ_SCOPES', ['']]
]

describe('bad values stop the binary at start with a message naming the directive', () => {
	const names = Object.keys(DIRECTIVES) as (keyof typeof DIRECTIVES)[]
	const typeCases = names.map((name) => [name, wrongType(DIRECTIVES[name].schema)] as [string, unknown])
	const cases: [string, unknown, Record<string, unknown>?][] = [...typeCases, ...BAD_VALUES]
	const exits = new Map<number, Exit>()

	beforeAll(async () => {
		const runOne = (index: number) => {
			const [name, value, others] = cases[index]
			const config = {
				FSA_AUTH: ['token', 'basic', 'param', 'none'],
				FSA_PASSWORD_OPTS: { memory_cost: 64, time_cost: 1 },
				FSA_TOKEN_SECRET: SECRET,
				...others,
				[name]: value
			}
			return binary
				.run({ config: toml(config), pass: ACME_PASS })
				.then((exit) => exits.set(index, exit))
		}
		const BATCH = 16
		for (let start = 0; start < cases.length; start += BATCH)
			await Promise.all(cases.slice(start, start + BATCH).map((_, offset) => runOne(start + offset)))
	}, 60_000)

	test('every directive has a wrong-type case', () => {
		expect(typeCases.map(([name]) => name)).toEqual(names)
		expect(names.length).toBeGreaterThan(40)
	})

	test.each(cases.map(([name, value], index) => [name, JSON.stringify(value), index] as const))(
		'%s = %s',
		(name, _value, index) => {
			const exit = exits.get(index)!
			expect(exit.killed).toBe(false)
			expect(exit.code).toBe(1)
			expect(exit.stderr).toContain(`acme: configuration error: `)
			// the name as a word: FSA_CACHE must not match FSA_CACHE_OPTS
			expect(exit.stderr).toMatch(new RegExp(`\\b${name}\\b`))
			expect(exit.stdout).not.toContain('listening')
		}
	)
})
