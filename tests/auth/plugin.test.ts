/**
 * The Elysia plugin end to end, in process: authorization declared on routes,
 * FlaskSimpleAuth's order of answers, schemes and carriers, headers and error rendering.
 */
import { afterEach, beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { Elysia, t } from 'elysia'
import { ConfigError, SimpleAuth, checkRoutes, err, simpleAuth, type RawConfig } from '../../src/auth'
import { FAST_PASSWORDS, basicHeader, call, fastHash } from '../support/helpers'

const PASSWORDS: Record<string, string> = { calvin: 'hobbes', hobbes: 'susie', susie: 'mum' }
const OWNERS: Record<number, string> = { 1: 'calvin', 2: 'hobbes' }
const hashes: Record<string, string> = {}
/** What the object permission checker received: [id, mode]. */
let seen: unknown[][] = []

beforeAll(async () => {
	for (const [login, password] of Object.entries(PASSWORDS)) hashes[login] = await fastHash(password)
})

afterEach(() => {
	seen = []
})

/** A SimpleAuth on realm "test" with the usual hooks: calvin is admin, susie is no member. */
function makeAuth(config: RawConfig = {}): SimpleAuth {
	const auth = new SimpleAuth({
		name: 'test',
		config: { ...FAST_PASSWORDS, FSA_AUTH: ['token', 'basic', 'param', 'none'], ...config }
	})
	return auth
		.getUserPass((login) => hashes[login] ?? null)
		.groupCheck('admin', (login) => login === 'calvin')
		.groupCheck('member', (login) => login !== 'susie')
		.objectPerms('stuff', (login, id, mode) => {
			seen.push([id, mode])
			return OWNERS[id] === undefined ? null : OWNERS[id] === login
		})
}

function makeApp(auth: SimpleAuth) {
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/open', ({ user }) => ({ user }), { authz: 'OPEN' })
		.get('/auth', ({ user }) => ({ user }), { authz: 'AUTH' })
		.get('/close', () => 'never', { authz: 'CLOSE' })
		.get('/undeclared', () => 'never')
		.get('/admin', () => 'admin only', { authz: 'admin' })
		.get('/stuff/:id', ({ args }) => args, {
			authz: ['member', ['stuff', 'id', 'owner']],
			args: t.Object({ id: t.Integer(), q: t.Integer() })
		})
		.get('/basic-only', ({ user }) => ({ user }), { authz: 'AUTH', authn: 'basic' })
		.get('/token-only', ({ user }) => ({ user }), { authz: 'AUTH', authn: ['token'] })
		.get('/mfa', ({ user }) => ({ user }), { authz: 'AUTH', realm: 'mfa' })
		.get('/boom', () => Promise.reject(new Error('secret database password')), { authz: 'OPEN' })
		.get('/teapot', () => err('short and stout', 418, { Oops: 'tea' }), { authz: 'OPEN' })
		.post('/body', ({ args }) => args, { authz: 'OPEN', args: t.Object({ a: t.String() }) })
		.get('/body', ({ args }) => args, { authz: 'OPEN', args: t.Object({ a: t.String() }) })
	checkRoutes(app)
	return app
}

const app = () => makeApp(makeAuth())
const CALVIN = { basic: ['calvin', 'hobbes'] as [string, string] }
const HOBBES = { basic: ['hobbes', 'susie'] as [string, string] }
const SUSIE = { basic: ['susie', 'mum'] as [string, string] }

describe('authorization', () => {
	it('never runs the authentication chain on OPEN routes', async () => {
		let calls = 0
		const auth = makeAuth().getUserPass(() => {
			calls++
			throw new Error('must not be called')
		})
		const open = makeApp(auth)
		for (const options of [CALVIN, { query: { USER: 'calvin', PASS: 'hobbes' } }, { bearer: 'junk' }]) {
			const response = await call(open, 'GET', '/open', options)
			expect(response.status).toBe(200)
			expect(response.json).toEqual({ user: null })
		}
		expect(calls).toBe(0)
		const logged = spyOn(console, 'error').mockImplementation(() => {})
		const closed = await call(open, 'GET', '/auth', CALVIN)
		logged.mockRestore()
		expect(closed.status).toBe(500)
		expect(closed.text).toBe('internal error in get_user_pass')
		expect(calls).toBe(1)
	})

	it('answers AUTH without credentials 401 with every challenge, sorted', async () => {
		const response = await call(app(), 'GET', '/auth')
		expect(response.status).toBe(401)
		expect(response.text).toBe('missing authentication')
		expect(response.headers.get('www-authenticate')).toBe(
			'Basic realm="test", charset="UTF-8", Bearer realm="test"'
		)
		const basicOnly = new Elysia()
			.use(simpleAuth(makeAuth({ FSA_AUTH: ['basic', 'none'] })))
			.get('/auth', () => 'x', { authz: 'AUTH' })
		expect((await call(basicOnly, 'GET', '/auth')).headers.get('www-authenticate')).toBe(
			'Basic realm="test", charset="UTF-8"'
		)
	})

	it('gives the handler the authenticated user', async () => {
		expect((await call(app(), 'GET', '/auth', CALVIN)).json).toEqual({ user: 'calvin' })
	})

	it('answers CLOSE 403, even to an authenticated user', async () => {
		const response = await call(app(), 'GET', '/close', CALVIN)
		expect(response.status).toBe(403)
		expect(response.text).toBe('currently closed route')
	})

	it('closes a route without authz, and checkRoutes names it', async () => {
		const routes = app()
		expect((await call(routes, 'GET', '/undeclared', CALVIN)).status).toBe(403)
		expect(checkRoutes(routes)).toEqual(['route without authz, closed (403): GET /undeclared'])
	})

	it('answers 403 to a user outside the group', async () => {
		const response = await call(app(), 'GET', '/admin', HOBBES)
		expect(response.status).toBe(403)
		expect(response.text).toBe('not in group "admin"')
		expect((await call(app(), 'GET', '/admin', CALVIN)).status).toBe(200)
	})

	it("answers in FlaskSimpleAuth's order: 401, 403 group, 400, 404/403 object", async () => {
		const routes = app()
		const expectations: [object, string, number, string][] = [
			[{}, '/stuff/x', 401, 'missing authentication'],
			[SUSIE, '/stuff/x', 403, 'not in group "member"'],
			[HOBBES, '/stuff/x', 400, 'parameter "id"'],
			[CALVIN, '/stuff/9?q=1', 404, 'object not found'],
			[HOBBES, '/stuff/1?q=1', 403, 'permission denied'],
			[CALVIN, '/stuff/1?q=1', 200, '{"id":1,"q":1}']
		]
		for (const [options, path, status, text] of expectations) {
			const response = await call(routes, 'GET', path, options)
			expect([path, response.status]).toEqual([path, status])
			expect(response.text).toContain(text)
		}
	})

	it('calls the object checker with typed ids and the mode, canonical path ids only', async () => {
		await call(app(), 'GET', '/stuff/2', { ...HOBBES, query: { q: '0' } })
		expect(seen).toEqual([[2, 'owner']])
		// another spelling of 2 never reaches the object
		expect((await call(app(), 'GET', '/stuff/0x2', { ...HOBBES, query: { q: '0' } })).status).toBe(400)
		expect(seen).toEqual([[2, 'owner']])
	})

	it('uses FSA_NOT_FOUND_ERROR for a missing object', async () => {
		const hidden = makeApp(makeAuth({ FSA_NOT_FOUND_ERROR: 403 }))
		expect((await call(hidden, 'GET', '/stuff/9?q=1', CALVIN)).status).toBe(403)
	})

	it('restricts a route to its authn schemes', async () => {
		const routes = app()
		const token = await makeAuth().createToken('calvin')
		const basicOnly = await call(routes, 'GET', '/basic-only', {
			bearer: await routes.decorator.auth.createToken('calvin')
		})
		expect(basicOnly.status).toBe(401)
		expect(basicOnly.headers.get('www-authenticate')).toBe('Basic realm="test", charset="UTF-8"')
		expect((await call(routes, 'GET', '/basic-only', CALVIN)).status).toBe(200)
		expect((await call(routes, 'GET', '/token-only', CALVIN)).status).toBe(401)
		expect((await call(routes, 'GET', '/token-only', { bearer: token })).status).toBe(401) // another secret
		const own = await routes.decorator.auth.createToken('calvin')
		expect((await call(routes, 'GET', '/token-only', { bearer: own })).json).toEqual({ user: 'calvin' })
	})

	it('gives a route realm its own challenges and tokens', async () => {
		const routes = app()
		const response = await call(routes, 'GET', '/mfa')
		expect(response.headers.get('www-authenticate')).toBe(
			'Basic realm="mfa", charset="UTF-8", Bearer realm="mfa"'
		)
		const auth = routes.decorator.auth
		expect((await call(routes, 'GET', '/mfa', { bearer: await auth.createToken('calvin') })).status).toBe(
			401
		)
		expect(
			(
				await call(routes, 'GET', '/mfa', {
					bearer: await auth.createToken('calvin', { realm: 'mfa' })
				})
			).status
		).toBe(200)
	})

	it('refuses bad declarations when the route is registered', () => {
		const plugin = () => new Elysia().use(simpleAuth(makeAuth({ FSA_AUTH: ['basic', 'none'] })))
		expect(() => plugin().get('/x', () => 'x', { authz: 'AUTH', authn: 'token' })).toThrow(ConfigError)
		expect(() => plugin().get('/x', () => 'x', { authz: 'AUTH', authn: ['basic', 'param'] })).toThrow(
			'param'
		)
		expect(() => plugin().get('/x', () => 'x', { authz: 'wizards' })).toThrow('wizards')
		expect(() => plugin().get('/x/:id', () => 'x', { authz: [['nodomain', 'id']] })).toThrow(
			'missing object permission checker for domain "nodomain"'
		)
		expect(() => plugin().get('/x/:id', () => 'x', { authz: ['nodomain', 'id', 'read'] })).toThrow(
			ConfigError
		)
		expect(() => plugin().get('/x', () => 'x', { authz: ['OPEN', 'admin'] })).toThrow(ConfigError)
		expect(() => plugin().get('/x', () => 'x', { authz: [] })).toThrow(ConfigError)
	})
})

describe('hooks that misbehave', () => {
	it('answers 500 when a hook returns a non-boolean', async () => {
		const auth = makeAuth()
			.groupCheck('admin', () => 'yes' as unknown as boolean)
			.objectPerms('stuff', () => 3.15 as unknown as boolean)
		const routes = makeApp(auth)
		expect(await call(routes, 'GET', '/admin', CALVIN)).toMatchObject({
			status: 500,
			text: 'internal error in group check for admin'
		})
		expect(await call(routes, 'GET', '/stuff/1?q=1', CALVIN)).toMatchObject({
			status: 500,
			text: 'internal error with permission check'
		})
		auth.getUserPass(() => 3.14 as unknown as string)
		expect(await call(routes, 'GET', '/auth', HOBBES)).toMatchObject({ status: 500 })
	})

	it('passes the status of an ErrorResponse thrown by a hook', async () => {
		const auth = makeAuth().groupCheck('admin', () => err('ask later', 503))
		expect(await call(makeApp(auth), 'GET', '/admin', CALVIN)).toMatchObject({
			status: 503,
			text: 'ask later'
		})
	})
})

describe('error responses', () => {
	it('answers a thrown Error 500 "internal error" without leaking its message', async () => {
		const logged = spyOn(console, 'error').mockImplementation(() => {})
		const response = await call(app(), 'GET', '/boom')
		const loggedCalls = logged.mock.calls.length
		logged.mockRestore()
		expect(response.status).toBe(500)
		expect(response.text).toBe('internal error')
		expect(loggedCalls).toBe(1)
	})

	it('passes the status and headers of err()', async () => {
		const response = await call(app(), 'GET', '/teapot')
		expect(response.status).toBe(418)
		expect(response.text).toBe('short and stout')
		expect(response.headers.get('oops')).toBe('tea')
	})

	it.each([
		['plain', 'text/plain', 'missing authentication'],
		['json', 'application/json', '"missing authentication"'],
		['json:error', 'application/json', '{"error":"missing authentication"}']
	])('renders FSA_ERROR_RESPONSE %s', async (format, type, body) => {
		const routes = makeApp(makeAuth({ FSA_ERROR_RESPONSE: format }))
		const response = await call(routes, 'GET', '/auth')
		expect(response.headers.get('content-type')).toStartWith(type)
		expect(response.text).toBe(body)
		expect((await call(routes, 'GET', '/nowhere')).headers.get('content-type')).toStartWith(type)
	})

	it('gives byte-identical 401s for an unknown user and a wrong password', async () => {
		const routes = app()
		const unknown = await call(routes, 'GET', '/auth', { basic: ['nobody', 'hobbes'] })
		const wrong = await call(routes, 'GET', '/auth', { basic: ['calvin', 'nobody'] })
		expect(unknown.status).toBe(401)
		expect(wrong.status).toBe(401)
		expect(unknown.text).toBe(wrong.text)
		// every header but the request's own id
		const headers = (response: typeof unknown) =>
			[...response.headers].filter(([name]) => name !== 'x-request-id')
		expect(headers(unknown)).toEqual(headers(wrong))
		expect(unknown.headers.get('x-request-id')).not.toBe(wrong.headers.get('x-request-id'))
	})

	it('answers 404 to an unknown route and 405 with Allow to a wrong method', async () => {
		const routes = app()
		expect(await call(routes, 'GET', '/nowhere', CALVIN)).toMatchObject({ status: 404 })
		const response = await call(routes, 'DELETE', '/open')
		expect(response.status).toBe(405)
		expect(response.headers.get('allow')).toBe('GET, HEAD')
		expect((await call(routes, 'PUT', '/body')).headers.get('allow')).toBe('GET, HEAD, POST')
	})

	it.each([
		['undecodable basic', 'Basic !!!'],
		['duplicated basic', `${basicHeader('calvin', 'hobbes')}, ${basicHeader('calvin', 'hobbes')}`],
		['basic then bearer', `${basicHeader('calvin', 'hobbes')}, Bearer x`],
		['a lone scheme', 'Bearer'],
		['a token with colons', 'Bearer a:b:c:d'],
		['a huge token', `Bearer ${'x'.repeat(20000)}`],
		['an impossible limit', 'Bearer test:calvin:99999999999999:00'],
		['an unknown scheme', 'Negotiate abc']
	])('answers a malformed Authorization header (%s) 401', async (_, authorization) => {
		const response = await call(app(), 'GET', '/auth', { headers: { authorization } })
		expect(response.status).toBe(401)
	})

	it('answers two Authorization headers 401', async () => {
		const headers = new Headers()
		headers.append('authorization', basicHeader('calvin', 'hobbes'))
		headers.append('authorization', basicHeader('calvin', 'hobbes'))
		const response = await app().handle(new Request('http://localhost/auth', { headers }))
		expect(response.status).toBe(401)
	})

	it('answers a GET whose body the server dropped 400, naming --transport node', async () => {
		const dropped = new Request('http://localhost/body', {
			method: 'GET',
			headers: { 'content-length': '5' }
		})
		const response = await app().handle(dropped)
		expect(response.status).toBe(400)
		expect(await response.text()).toContain('--transport node')
		expect((await call(app(), 'GET', '/body', { json: { a: 'kept' } })).json).toEqual({ a: 'kept' })
	})
})

describe('headers', () => {
	it('adds FSA-Request, FSA-User and FSA-Delay in dev mode', async () => {
		const routes = makeApp(makeAuth({ FSA_MODE: 'dev' }))
		const response = await call(routes, 'GET', '/auth', { ...CALVIN, query: { x: '1' } })
		expect(response.headers.get('fsa-request')).toBe('GET /auth')
		expect(response.headers.get('fsa-user')).toBe('calvin (basic)')
		expect(response.headers.get('fsa-delay')).toMatch(/^\d+\.\d{6}$/)
		const open = await call(routes, 'GET', '/open')
		expect(open.headers.get('fsa-user')).toBe('None (None)')
		const denied = await call(routes, 'GET', '/admin', HOBBES)
		expect(denied.headers.get('fsa-user')).toBe('hobbes (basic)')
		expect(denied.headers.get('fsa-delay')).toMatch(/^\d+\.\d{6}$/)
	})

	it('adds no FSA-* header in prod mode', async () => {
		const response = await call(app(), 'GET', '/auth', CALVIN)
		expect([...response.headers.keys()].filter((name) => name.startsWith('fsa-'))).toEqual([])
	})

	it('adds FSA_ADD_HEADERS to successes and errors', async () => {
		const routes = makeApp(makeAuth({ FSA_ADD_HEADERS: { Service: 'FSA', 'X-Test': 'yes' } }))
		for (const [path, status] of [
			['/open', 200],
			['/auth', 401],
			['/close', 403],
			['/nowhere', 404]
		] as const) {
			const response = await call(routes, 'GET', path)
			expect(response.status).toBe(status)
			expect(response.headers.get('service')).toBe('FSA')
			expect(response.headers.get('x-test')).toBe('yes')
		}
	})
})

describe('param scheme', () => {
	const routes = () => makeApp(makeAuth({ FSA_PARAM_USER: 'login', FSA_PARAM_PASS: 'pw', FSA_MODE: 'dev' }))

	it.each([
		['query', { query: { login: 'calvin', pw: 'hobbes' } }],
		['form', { form: { login: 'calvin', pw: 'hobbes' } }],
		['JSON', { json: { login: 'calvin', pw: 'hobbes' } }]
	])('reads FSA_PARAM_USER and FSA_PARAM_PASS from the %s', async (_, options) => {
		const response = await call(routes(), 'GET', '/auth', options)
		expect(response.json).toEqual({ user: 'calvin' })
		expect(response.headers.get('fsa-user')).toBe('calvin (param)')
	})

	it('refuses a missing or wrong password, and ignores USER and PASS', async () => {
		const missing = await call(routes(), 'GET', '/auth', { query: { login: 'calvin' } })
		expect(missing).toMatchObject({ status: 401, text: 'missing param password parameter: pw' })
		expect((await call(routes(), 'GET', '/auth', { query: { login: 'calvin', pw: 'x' } })).status).toBe(
			401
		)
		expect(
			(await call(routes(), 'GET', '/auth', { query: { USER: 'calvin', PASS: 'hobbes' } })).status
		).toBe(401)
	})
})

describe('token carriers', () => {
	async function withToken(config: RawConfig, send: (token: string) => Parameters<typeof call>[3]) {
		const routes = makeApp(makeAuth({ FSA_MODE: 'dev', ...config }))
		const token = await routes.decorator.auth.createToken('calvin')
		return call(routes, 'GET', '/auth', send(token))
	}

	it('reads a bearer token, under FSA_TOKEN_NAME', async () => {
		const response = await withToken({}, (bearer) => ({ bearer }))
		expect(response.headers.get('fsa-user')).toBe('calvin (token)')
		const youpi = await withToken({ FSA_TOKEN_NAME: 'Youpi' }, (token) => ({
			headers: { authorization: `Youpi ${token}` }
		}))
		expect(youpi.json).toEqual({ user: 'calvin' })
		const bearer = await withToken({ FSA_TOKEN_NAME: 'Youpi' }, (bearer) => ({ bearer }))
		expect(bearer.status).toBe(401)
		expect(bearer.headers.get('www-authenticate')).toContain('Youpi realm="test"')
	})

	it('reads a token from a parameter', async () => {
		const config = { FSA_TOKEN_CARRIER: 'param', FSA_TOKEN_NAME: 'auth' }
		expect((await withToken(config, (auth) => ({ query: { auth } }))).json).toEqual({ user: 'calvin' })
		expect((await withToken(config, (auth) => ({ json: { auth } }))).json).toEqual({ user: 'calvin' })
		const header = await withToken(config, (bearer) => ({ bearer }))
		expect(header.status).toBe(401)
		expect(header.headers.get('www-authenticate')).not.toContain('Bearer')
	})

	it('reads a token from a header of its own', async () => {
		const config = { FSA_TOKEN_CARRIER: 'header', FSA_TOKEN_NAME: 'HoHoHo' }
		expect((await withToken(config, (token) => ({ headers: { HoHoHo: token } }))).json).toEqual({
			user: 'calvin'
		})
		expect((await withToken(config, (bearer) => ({ bearer }))).status).toBe(401)
	})
})

describe('one plugin per SimpleAuth', () => {
	it('is the same plugin however often simpleAuth(auth) is called', () => {
		const auth = makeAuth()
		expect(simpleAuth(auth)).toBe(simpleAuth(auth))
	})

	it('keeps two SimpleAuth instances apart, even with one realm', async () => {
		const authOf = (login: string) =>
			new SimpleAuth({ name: 'one', config: { ...FAST_PASSWORDS, FSA_AUTH: ['basic'] } }).getUserPass(
				(name) => (name === login ? hashes[login] : null)
			)
		const first = new Elysia()
			.use(simpleAuth(authOf('calvin')))
			.get('/first', ({ user }) => user, { authz: 'AUTH' })
		const second = new Elysia()
			.use(simpleAuth(authOf('hobbes')))
			.get('/second', ({ user }) => user, { authz: 'AUTH' })
		const app = new Elysia().use(first).use(second)
		const calvin = { authorization: basicHeader('calvin', 'hobbes') }
		const hobbes = { authorization: basicHeader('hobbes', 'susie') }
		expect((await call(app, 'GET', '/first', { headers: calvin })).text).toBe('calvin')
		expect((await call(app, 'GET', '/second', { headers: hobbes })).text).toBe('hobbes')
		expect((await call(app, 'GET', '/second', { headers: calvin })).status).toBe(401)
		expect((await call(app, 'GET', '/first', { headers: hobbes })).status).toBe(401)
	})

	it('answers 405 with Allow when two sub-apps each use simpleAuth(auth)', async () => {
		const auth = makeAuth()
		const reads = new Elysia().use(simpleAuth(auth)).get('/reads', () => 'read', { authz: 'OPEN' })
		const writes = new Elysia()
			.use(simpleAuth(auth))
			.post('/writes', ({ user }) => user, { authz: 'AUTH' })
		const app = new Elysia().use(reads).use(writes)
		expect(checkRoutes(app)).toEqual([])
		const wrong = await call(app, 'DELETE', '/reads')
		expect(wrong.status).toBe(405)
		expect(wrong.headers.get('allow')).toBe('GET, HEAD')
		const other = await call(app, 'GET', '/writes')
		expect(other.status).toBe(405)
		expect(other.headers.get('allow')).toBe('POST')
		expect((await call(app, 'GET', '/nowhere')).status).toBe(404)
	})
})
