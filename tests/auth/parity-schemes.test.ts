/**
 * FlaskSimpleAuth parity, authentication schemes: oauth scopes, fake (loopback only), httpd
 * (trusted proxies only), custom schemes registered from code, and per-route realms.
 */
import { beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { Elysia } from 'elysia'
import {
	ConfigError,
	ErrorResponse,
	SimpleAuth,
	checkRoutes,
	setClientAddress,
	simpleAuth,
	type RawConfig,
	type SimpleAuthOptions
} from '../../src/auth'
import { buildRequest, call, calvinAuth, fastHash, whoApp, type RequestOptions } from '../support/helpers'

const SECRET = 'secret-secret-secret'
let calvinHash = ''

beforeAll(async () => {
	calvinHash = await fastHash('hobbes')
})

const makeAuth = (config: RawConfig, options: Partial<SimpleAuthOptions> = {}): SimpleAuth =>
	calvinAuth(calvinHash, { FSA_TOKEN_SECRET: SECRET, ...config }, options)

type App = ReturnType<typeof whoApp>

/** GET /who from a client at `address` (none recorded when undefined). */
async function from(app: App, address: string | undefined, options: RequestOptions = {}) {
	const request = buildRequest('GET', '/who', options)
	if (address !== undefined) setClientAddress(request, address)
	const response = await app.handle(request)
	return { status: response.status, text: await response.text(), headers: response.headers }
}

describe('oauth', () => {
	const OAUTH = { FSA_AUTH: ['oauth', 'basic', 'none'], FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ISSUER: 'god' }

	it('requires jwt tokens and an issuer', () => {
		const fsa = () => makeAuth({ ...OAUTH, FSA_TOKEN_TYPE: 'fsa' })
		expect(fsa).toThrow(ConfigError)
		expect(fsa).toThrow(/FSA_AUTH.*FSA_TOKEN_TYPE jwt/)
		expect(() => makeAuth({ FSA_AUTH: 'oauth', FSA_TOKEN_TYPE: 'jwt' })).toThrow(
			/FSA_AUTH.*FSA_TOKEN_ISSUER/
		)
		expect(() => makeAuth({ FSA_AUTH: 'oauth', FSA_TOKEN_TYPE: 'jwt' })).toThrow(ConfigError)
	})

	function scopeApp(config: RawConfig = {}) {
		const auth = makeAuth({ ...OAUTH, ...config })
		const app = new Elysia()
			.use(simpleAuth(auth))
			.get('/read', ({ user }) => ({ user }), { authn: 'oauth', authz: 'read' })
			.get('/both', ({ user }) => ({ user }), { authn: 'oauth', authz: ['read', 'write'] })
		checkRoutes(app)
		return { auth, app }
	}

	it('grants a route to tokens carrying its scopes', async () => {
		const { auth, app } = scopeApp()
		const reader = await auth.createToken('calvin', { scopes: ['read'] })
		const ok = await call(app, 'GET', '/read', { bearer: reader })
		expect(ok.status).toBe(200)
		expect(ok.json).toEqual({ user: 'calvin' })
		const writer = await auth.createToken('calvin', { scopes: ['write', 'admin'] })
		const denied = await call(app, 'GET', '/read', { bearer: writer })
		expect(denied.status).toBe(403)
		expect(denied.text).toBe('missing permission "read"')
		const scopeless = await call(app, 'GET', '/read', { bearer: await auth.createToken('calvin') })
		expect(scopeless.status).toBe(403)
		// every scope is required
		expect((await call(app, 'GET', '/both', { bearer: reader })).text).toBe('missing permission "write"')
		const all = await auth.createToken('calvin', { scopes: ['read', 'write'] })
		expect((await call(app, 'GET', '/both', { bearer: all })).status).toBe(200)
	})

	it('answers 401 with a bearer challenge without a token, and ignores basic on oauth routes', async () => {
		const { app } = scopeApp()
		const missing = await call(app, 'GET', '/read')
		expect(missing.status).toBe(401)
		expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="Test"')
		expect((await call(app, 'GET', '/read', { basic: ['calvin', 'hobbes'] })).status).toBe(401)
	})

	it('FSA_AUTHZ_SCOPES refuses an undeclared scope at route registration', () => {
		const auth = makeAuth({ ...OAUTH, FSA_AUTHZ_SCOPES: ['read'] })
		const plugin = () => new Elysia().use(simpleAuth(auth))
		expect(() => plugin().get('/w', () => 'w', { authn: 'oauth', authz: 'write' })).toThrow(ConfigError)
		expect(() => plugin().get('/r', () => 'r', { authn: 'oauth', authz: 'read' })).not.toThrow()
		// without the declaration, any scope goes
		const free = makeAuth(OAUTH)
		expect(() =>
			new Elysia().use(simpleAuth(free)).get('/w', () => 'w', { authn: 'oauth', authz: 'write' })
		).not.toThrow()
	})
})

describe('scopes and groups on the same names', () => {
	const OAUTH = { FSA_AUTH: ['oauth', 'basic', 'none'], FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ISSUER: 'god' }

	it('refuses at start a scope on a route that other schemes may reach', () => {
		const app = new Elysia().use(simpleAuth(makeAuth(OAUTH))).get('/r', () => 'r', { authz: 'read' })
		expect(() => checkRoutes(app)).toThrow('"read" is an oauth scope: the route must use authn "oauth"')
	})

	it('answers 403, not 500, when such a route is reached by basic anyway', async () => {
		const app = new Elysia().use(simpleAuth(makeAuth(OAUTH))).get('/r', () => 'r', { authz: 'read' })
		expect((await call(app, 'GET', '/r', { basic: ['calvin', 'hobbes'] })).status).toBe(403)
	})

	it('refuses an undeclared scope at start even when a catch-all group check exists', () => {
		const auth = makeAuth({ ...OAUTH, FSA_AUTHZ_SCOPES: ['read'] }).userInGroup(() => true)
		const app = new Elysia()
			.use(simpleAuth(auth))
			.get('/w', () => 'w', { authn: 'oauth', authz: 'write' })
		expect(() => checkRoutes(app)).toThrow('unexpected scope "write", not in FSA_AUTHZ_SCOPES')
	})
})

describe('fake', () => {
	const FAKE = { FSA_AUTH: 'fake', FSA_SECURE: false }

	it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])(
		'accepts LOGIN from %s',
		async (address) => {
			const res = await from(whoApp(makeAuth(FAKE)), address, { query: { LOGIN: 'hobbes' } })
			expect(res.status).toBe(200)
			expect(JSON.parse(res.text)).toEqual({ user: 'hobbes' })
		}
	)

	it.each([
		['10.1.2.3', '10.1.2.3'],
		['no recorded address', undefined]
	])('refuses LOGIN from %s', async (_label, address) => {
		const res = await from(whoApp(makeAuth(FAKE)), address, { query: { LOGIN: 'hobbes' } })
		expect(res.status).toBe(401)
		expect(res.text).toBe('fake authentication is local only')
	})

	it('reads FSA_FAKE_LOGIN, which is never an unexpected parameter', async () => {
		const app = whoApp(makeAuth({ ...FAKE, FSA_FAKE_LOGIN: 'ME' }))
		expect((await from(app, '127.0.0.1', { query: { ME: 'susie' } })).text).toBe('{"user":"susie"}')
		const old = await from(app, '127.0.0.1', { query: { LOGIN: 'susie' } })
		expect(old.status).toBe(401)
	})

	it('is not enabled unless FSA_AUTH names it', async () => {
		const app = whoApp(makeAuth({ FSA_AUTH: ['token', 'basic'] }))
		expect((await from(app, '127.0.0.1', { query: { LOGIN: 'hobbes' } })).status).toBe(401)
	})
})

describe('httpd', () => {
	const HTTPD = { FSA_AUTH: ['httpd', 'none'], FSA_TRUSTED_PROXIES: ['10.0.0.1'], FSA_SECURE: false }

	it('takes X-Remote-User from a trusted proxy only', async () => {
		const app = whoApp(makeAuth(HTTPD))
		const headers = { 'X-Remote-User': 'calvin' }
		const ok = await from(app, '10.0.0.1', { headers })
		expect(ok.status).toBe(200)
		expect(JSON.parse(ok.text)).toEqual({ user: 'calvin' })
		for (const address of ['10.9.9.9', '127.0.0.1', undefined]) {
			const refused = await from(app, address, { headers })
			expect(refused.status).toBe(401)
			expect(refused.text).toBe('httpd authentication header from an untrusted peer')
		}
		expect((await from(app, '10.0.0.1')).status).toBe(401)
	})

	it('reads FSA_HTTPD_HEADER', async () => {
		const app = whoApp(makeAuth({ ...HTTPD, FSA_HTTPD_HEADER: 'X-User' }))
		expect((await from(app, '10.0.0.1', { headers: { 'x-user': 'hobbes' } })).status).toBe(200)
		expect((await from(app, '10.0.0.1', { headers: { 'X-Remote-User': 'hobbes' } })).status).toBe(401)
	})
})

describe('custom schemes (FSA_AUTHENTICATION)', () => {
	const CODES: Record<string, string> = { hobbes: 'hobbes', 'tiger-1': 'hobbes', dad: 'dad' }
	const authentication = {
		code: ({ headers }: { headers: Headers }) => {
			const code = headers.get('code')
			if (code === null) return null
			if (code === 'boom') throw new Error('database down')
			if (code === 'teapot') throw new ErrorResponse('no coffee', 418)
			const user = CODES[code]
			if (!user)
				throw new ErrorResponse('Missing Code authentication header', 401, { Oops: 'missing Code' })
			return user
		}
	}

	it('authenticates with the login the scheme returns', async () => {
		const app = whoApp(makeAuth({ FSA_AUTH: ['code', 'none'] }, { authentication }))
		const res = await call(app, 'GET', '/who', { headers: { Code: 'tiger-1' } })
		expect(res.status).toBe(200)
		expect(res.json).toEqual({ user: 'hobbes' })
	})

	it('null goes on to the next scheme', async () => {
		const app = whoApp(makeAuth({ FSA_AUTH: ['code', 'basic'], FSA_MODE: 'dev' }, { authentication }))
		const res = await call(app, 'GET', '/who', { basic: ['calvin', 'hobbes'] })
		expect(res.status).toBe(200)
		expect(res.headers.get('fsa-user')).toBe('calvin (basic)')
		const coded = await call(app, 'GET', '/who', { headers: { Code: 'dad' } })
		expect(coded.headers.get('fsa-user')).toBe('dad (code)')
		expect((await call(app, 'GET', '/who')).text).toBe('missing authentication')
	})

	it('an ErrorResponse keeps its status and headers', async () => {
		const config = { FSA_AUTH: ['code', 'none'], FSA_ERROR_RESPONSE: 'json:oops' }
		const app = whoApp(makeAuth(config, { authentication }))
		const res = await call(app, 'GET', '/who', { headers: { Code: 'bad' } })
		expect(res.status).toBe(401)
		expect(res.json).toEqual({ oops: 'Missing Code authentication header' })
		expect(res.headers.get('oops')).toBe('missing Code')
		expect((await call(app, 'GET', '/who', { headers: { Code: 'teapot' } })).status).toBe(418)
	})

	it('a plain Error is an internal error of the scheme', async () => {
		const logged = spyOn(console, 'error').mockImplementation(() => {})
		const app = whoApp(makeAuth({ FSA_AUTH: ['code', 'none'] }, { authentication }))
		const res = await call(app, 'GET', '/who', { headers: { Code: 'boom' } })
		expect(res.status).toBe(500)
		expect(res.text).toBe('internal error in authentication scheme code')
		expect(res.text).not.toContain('database')
		expect(logged).toHaveBeenCalled()
		logged.mockRestore()
	})

	it('must be registered to be enabled, and enabled to be used', async () => {
		expect(() => makeAuth({ FSA_AUTH: ['code', 'none'] })).toThrow(ConfigError)
		const unused = whoApp(makeAuth({ FSA_AUTH: ['basic', 'none'] }, { authentication }))
		expect((await call(unused, 'GET', '/who', { headers: { Code: 'dad' } })).status).toBe(401)
	})
})

describe('per-route realm', () => {
	function realmApp(config: RawConfig = {}) {
		const auth = makeAuth({ FSA_AUTH: ['token', 'basic'], ...config })
		const app = new Elysia()
			.use(simpleAuth(auth))
			.get('/first', ({ user }) => ({ user }), { authz: 'AUTH' })
			.get('/second', ({ user }) => ({ user }), { authz: 'AUTH', realm: 'second stage' })
		checkRoutes(app)
		return { auth, app }
	}

	it('challenges with the route realm', async () => {
		const { app } = realmApp()
		expect((await call(app, 'GET', '/first')).headers.get('www-authenticate')).toBe(
			'Basic realm="Test", charset="UTF-8", Bearer realm="Test"'
		)
		expect((await call(app, 'GET', '/second')).headers.get('www-authenticate')).toBe(
			'Basic realm="second stage", charset="UTF-8", Bearer realm="second-stage"'
		)
	})

	it.each(['fsa', 'jwt'])('%s tokens of one realm are refused by the other', async (type) => {
		const { auth, app } = realmApp({ FSA_TOKEN_TYPE: type })
		const first = await auth.createToken('calvin')
		const second = await auth.createToken('calvin', { realm: 'second stage' })
		if (type === 'fsa') expect(second).toStartWith('second-stage:calvin:')
		expect((await call(app, 'GET', '/first', { bearer: first })).status).toBe(200)
		expect((await call(app, 'GET', '/second', { bearer: first })).status).toBe(401)
		expect((await call(app, 'GET', '/second', { bearer: second })).status).toBe(200)
		expect((await call(app, 'GET', '/first', { bearer: second })).status).toBe(401)
	})

	it('the cookie carrier issues a token of the route realm', async () => {
		const { app } = realmApp({ FSA_TOKEN_CARRIER: 'cookie' })
		const res = await call(app, 'GET', '/second', { basic: ['calvin', 'hobbes'] })
		expect(res.headers.get('set-cookie')).toStartWith('auth=second-stage:calvin:')
	})
})
