/**
 * FlaskSimpleAuth parity, responses: the 401 redirect, CORS, FSA_SECURE, error rendering and
 * statuses, content type, added headers, and the request hooks (before request, after
 * request, before exec, path check).
 */
import { beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { Elysia } from 'elysia'
import {
	ConfigError,
	SimpleAuth,
	checkPath,
	checkRoutes,
	setClientAddress,
	simpleAuth,
	type RawConfig,
	type Scheme
} from '../../src/auth'
import { FAST_PASSWORDS, buildRequest, call, fastHash, type RequestOptions } from '../support/helpers'

const PASSWORDS: Record<string, string> = { calvin: 'hobbes', susie: 'mum' }
const hashes: Record<string, string> = {}

beforeAll(async () => {
	for (const [login, password] of Object.entries(PASSWORDS)) hashes[login] = await fastHash(password)
})

function makeAuth(config: RawConfig = {}): SimpleAuth {
	return new SimpleAuth({
		name: 'Test',
		config: { ...FAST_PASSWORDS, FSA_AUTH: ['token', 'basic', 'none'], ...config }
	})
		.getUserPass((login) => hashes[login] ?? null)
		.objectPerms('thing', (_login, id) => (id === 'gone' ? null : id === 'mine'))
}

function makeApp(auth: SimpleAuth) {
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/open', () => 'open', { authz: 'OPEN' })
		.get('/who', ({ user }) => ({ user }), { authz: 'AUTH' })
		.post('/who', ({ user }) => ({ user }), { authz: 'AUTH' })
		.get('/xml', () => '<x>1</x>', { authz: 'OPEN' })
		.get('/json', () => ({ a: 1 }), { authz: 'OPEN' })
		.get('/boom', () => Promise.reject(new Error('secret')), { authz: 'OPEN' })
		.get('/thing/:id', () => 'thing', { authz: ['thing', 'id'] })
	checkRoutes(app)
	return app
}

const CALVIN: RequestOptions = { basic: ['calvin', 'hobbes'] }

/** Send a request after recording its socket address; `https` changes the URL scheme. */
async function send(
	app: ReturnType<typeof makeApp>,
	address: string,
	options: RequestOptions & { https?: boolean } = {}
) {
	let request = buildRequest('GET', '/open', options)
	if (options.https) request = new Request(request.url.replace('http:', 'https:'), request)
	setClientAddress(request, address)
	const response = await app.handle(request)
	return { status: response.status, text: await response.text() }
}

describe('FSA_401_REDIRECT and FSA_URL_NAME', () => {
	it('turns a 401 into a 307 to the login page, with the URL on GET only', async () => {
		const app = makeApp(makeAuth({ FSA_401_REDIRECT: '/login-page', FSA_URL_NAME: 'next' }))
		const get = await call(app, 'GET', '/who', { query: { a: 'b c' } })
		expect(get.status).toBe(307)
		expect(get.headers.get('location')).toBe(
			`/login-page?next=${encodeURIComponent('http://localhost/who?a=b+c')}`
		)
		expect(get.headers.get('www-authenticate')).toBeNull()
		const post = await call(app, 'POST', '/who')
		expect(post.status).toBe(307)
		expect(post.headers.get('location')).toBe('/login-page')
		expect((await call(app, 'GET', '/who', CALVIN)).status).toBe(200)
	})

	it('names the parameter URL by default and joins an existing query with &', async () => {
		const app = makeApp(makeAuth({ FSA_401_REDIRECT: 'https://sso.example/login?app=acme' }))
		const res = await call(app, 'GET', '/who')
		expect(res.headers.get('location')).toBe(
			`https://sso.example/login?app=acme&URL=${encodeURIComponent('http://localhost/who')}`
		)
		// other errors are not redirected
		expect((await call(app, 'GET', '/thing/other', CALVIN)).status).toBe(403)
	})

	it('without it, a 401 stays a 401 with its challenge', async () => {
		const res = await call(makeApp(makeAuth()), 'GET', '/who')
		expect(res.status).toBe(401)
		expect(res.headers.get('location')).toBeNull()
		expect(res.headers.get('www-authenticate')).toContain('Basic realm="Test"')
	})
})

describe('FSA_CORS and FSA_CORS_OPTS', () => {
	const ORIGIN = 'https://front.example'
	const cors = (config: RawConfig = {}) =>
		makeApp(makeAuth({ FSA_CORS: true, FSA_CORS_OPTS: { origin: ORIGIN, maxAge: 600 }, ...config }))

	it('answers a preflight with 204 and the allow headers', async () => {
		const res = await call(cors(), 'OPTIONS', '/who', {
			headers: { origin: ORIGIN, 'access-control-request-method': 'POST' }
		})
		expect(res.status).toBe(204)
		expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
		expect(res.headers.get('access-control-allow-methods')).toContain('POST')
		expect(res.headers.get('access-control-max-age')).toBe('600')
	})

	it('adds the allow origin header to normal and error responses', async () => {
		const app = cors()
		const ok = await call(app, 'GET', '/open', { headers: { origin: ORIGIN } })
		expect(ok.status).toBe(200)
		expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN)
		const denied = await call(app, 'GET', '/who', { headers: { origin: ORIGIN } })
		expect(denied.status).toBe(401)
		expect(denied.headers.get('access-control-allow-origin')).toBe(ORIGIN)
	})

	it('adds nothing when off', async () => {
		const app = makeApp(makeAuth())
		const ok = await call(app, 'GET', '/open', { headers: { origin: ORIGIN } })
		expect(ok.headers.get('access-control-allow-origin')).toBeNull()
		const preflight = await call(app, 'OPTIONS', '/who', {
			headers: { origin: ORIGIN, 'access-control-request-method': 'POST' }
		})
		expect(preflight.status).not.toBe(204)
		expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
	})
})

describe('FSA_SECURE', () => {
	const config = { FSA_TRUSTED_PROXIES: ['10.0.0.1'] }

	it('refuses plain HTTP from a remote client', async () => {
		const res = await send(makeApp(makeAuth(config)), '203.0.113.5')
		expect(res.status).toBe(403)
		expect(res.text).toBe('insecure HTTP request denied')
	})

	it('lets https, loopback and https behind a trusted proxy through', async () => {
		const app = makeApp(makeAuth(config))
		expect((await send(app, '203.0.113.5', { https: true })).status).toBe(200)
		expect((await send(app, '127.0.0.1')).status).toBe(200)
		expect((await send(app, '::1')).status).toBe(200)
		const proxied = await send(app, '10.0.0.1', { headers: { 'X-Forwarded-Proto': 'https' } })
		expect(proxied.status).toBe(200)
		expect((await send(app, '10.0.0.1')).status).toBe(403)
	})

	it('ignores X-Forwarded-Proto from an untrusted address', async () => {
		const res = await send(makeApp(makeAuth(config)), '203.0.113.5', {
			headers: { 'X-Forwarded-Proto': 'https' }
		})
		expect(res.status).toBe(403)
	})

	it('FSA_SECURE false lets plain HTTP through', async () => {
		expect((await send(makeApp(makeAuth({ FSA_SECURE: false })), '203.0.113.5')).status).toBe(200)
	})
})

describe('errors', () => {
	it('FSA_HANDLE_ALL_ERRORS renders 404 and 405 in the error format', async () => {
		const app = makeApp(makeAuth({ FSA_ERROR_RESPONSE: 'json:error' }))
		const missing = await call(app, 'GET', '/nowhere')
		expect(missing.status).toBe(404)
		expect(missing.json).toEqual({ error: 'not found' })
		expect(missing.headers.get('content-type')).toStartWith('application/json')
		const method = await call(app, 'DELETE', '/who')
		expect(method.status).toBe(405)
		expect(method.json).toEqual({ error: 'method not allowed' })
		expect(method.headers.get('allow')).toBe('GET, HEAD, POST')
	})

	it('FSA_HANDLE_ALL_ERRORS false leaves 404 and 405 in plain text', async () => {
		const app = makeApp(makeAuth({ FSA_ERROR_RESPONSE: 'json:error', FSA_HANDLE_ALL_ERRORS: false }))
		const missing = await call(app, 'GET', '/nowhere')
		expect(missing.status).toBe(404)
		expect(missing.text).toBe('not found')
		expect(missing.headers.get('content-type')).toStartWith('text/plain')
		expect((await call(app, 'DELETE', '/who')).text).toBe('method not allowed')
		// other errors keep the format
		expect((await call(app, 'GET', '/who')).json).toEqual({ error: 'missing authentication' })
	})

	it('FSA_SERVER_ERROR and FSA_NOT_FOUND_ERROR set their statuses', async () => {
		const logged = spyOn(console, 'error').mockImplementation(() => {})
		const app = makeApp(makeAuth({ FSA_SERVER_ERROR: 518, FSA_NOT_FOUND_ERROR: 410 }))
		const boom = await call(app, 'GET', '/boom')
		expect(boom.status).toBe(518)
		expect(boom.text).toBe('internal error')
		const gone = await call(app, 'GET', '/thing/gone', CALVIN)
		expect(gone.status).toBe(410)
		expect(gone.text).toBe('object not found')
		expect((await call(app, 'GET', '/thing/mine', CALVIN)).status).toBe(200)
		const defaults = makeApp(makeAuth())
		expect((await call(defaults, 'GET', '/boom')).status).toBe(500)
		expect((await call(defaults, 'GET', '/thing/gone', CALVIN)).status).toBe(404)
		logged.mockRestore()
	})
})

describe('FSA_DEFAULT_CONTENT_TYPE and FSA_ADD_HEADERS', () => {
	it('gives string bodies the default content type', async () => {
		const app = makeApp(makeAuth({ FSA_DEFAULT_CONTENT_TYPE: 'application/xml' }))
		const xml = await call(app, 'GET', '/xml')
		expect(xml.headers.get('content-type')).toBe('application/xml')
		expect(xml.text).toBe('<x>1</x>')
		expect((await call(app, 'GET', '/json')).headers.get('content-type')).toStartWith('application/json')
		expect((await call(makeApp(makeAuth()), 'GET', '/xml')).headers.get('content-type')).toStartWith(
			'text/plain'
		)
	})

	it('adds fixed and computed headers; a falsy value adds nothing', async () => {
		const auth = makeAuth({ FSA_ADD_HEADERS: { Service: 'FSA' } }).addHeaders({
			Now: (response) => `status ${response.status}`,
			Nothing: () => '',
			Never: () => undefined,
			Static: 'value'
		})
		const app = makeApp(auth)
		for (const [path, status] of [
			['/open', 200],
			['/who', 401]
		] as const) {
			const res = await call(app, 'GET', path)
			expect(res.status).toBe(status)
			expect(res.headers.get('service')).toBe('FSA')
			expect(res.headers.get('now')).toBe(`status ${status}`)
			expect(res.headers.get('static')).toBe('value')
			expect(res.headers.has('nothing')).toBe(false)
			expect(res.headers.has('never')).toBe(false)
		}
	})
})

describe('hooks', () => {
	it('a Response from beforeRequest ends the request, even on OPEN routes', async () => {
		let handled = 0
		const auth = makeAuth({ FSA_ADD_HEADERS: { Service: 'FSA' } })
			.beforeRequest((request) =>
				request.headers.get('x-teapot') ? new Response('early return', { status: 418 }) : undefined
			)
			.afterRequest((response) => {
				response.headers.set('Cool', 'Calvin')
				return response
			})
		const app = makeApp(auth).get('/count', () => ++handled, { authz: 'OPEN' })
		const early = await call(app, 'GET', '/count', { headers: { 'x-teapot': '1' } })
		expect(early.status).toBe(418)
		expect(early.text).toBe('early return')
		expect(handled).toBe(0)
		// as in Flask, the after-request work still applies
		expect(early.headers.get('service')).toBe('FSA')
		expect(early.headers.get('cool')).toBe('Calvin')
		expect((await call(app, 'GET', '/count')).text).toBe('1')
	})

	it('afterRequest sees and changes success and error responses', async () => {
		const seen: number[] = []
		const auth = makeAuth().afterRequest((response) => {
			seen.push(response.status)
			response.headers.set('Cool', 'Calvin')
			return response
		})
		const app = makeApp(auth)
		expect((await call(app, 'GET', '/open')).headers.get('cool')).toBe('Calvin')
		expect((await call(app, 'GET', '/who')).headers.get('cool')).toBe('Calvin')
		expect((await call(app, 'GET', '/nowhere')).headers.get('cool')).toBe('Calvin')
		expect(seen).toEqual([200, 401, 404])
	})

	it('beforeExec receives the request, login and schemes; its Response is the answer', async () => {
		const calls: [string, string | null, readonly Scheme[]][] = []
		const auth = makeAuth().beforeExec((request, login, schemes) => {
			calls.push([new URL(request.url).pathname, login, schemes])
			return login === 'susie' ? new Response('not you', { status: 418 }) : undefined
		})
		const app = makeApp(auth)
		expect((await call(app, 'GET', '/who', CALVIN)).json).toEqual({ user: 'calvin' })
		const susie = await call(app, 'GET', '/who', { basic: ['susie', 'mum'] })
		expect(susie.status).toBe(418)
		expect(susie.text).toBe('not you')
		expect((await call(app, 'GET', '/who')).status).toBe(401) // not reached
		expect(calls).toEqual([
			['/who', 'calvin', ['token', 'basic', 'none']],
			['/who', 'susie', ['token', 'basic', 'none']]
		])
	})

	it('pathCheck(checkPath) refuses badly named routes at checkRoutes', () => {
		const build = (path: string) => {
			const auth = makeAuth().pathCheck(checkPath)
			return new Elysia().use(simpleAuth(auth)).get(path, () => 'x', { authz: 'OPEN' })
		}
		expect(() => checkRoutes(build('/getStuff'))).toThrow(ConfigError)
		expect(() => checkRoutes(build('/get-stuff'))).toThrow('method name "get"')
		expect(() => checkRoutes(build('/stuff/:stuff_id'))).not.toThrow()
		// without the hook, anything goes
		expect(() =>
			checkRoutes(
				new Elysia().use(simpleAuth(makeAuth())).get('/getStuff', () => 'x', { authz: 'OPEN' })
			)
		).not.toThrow()
	})

	it('checkPath follows FlaskSimpleAuth rule', () => {
		expect(checkPath('GET', '/')).toBeUndefined()
		expect(checkPath('GET', '/users/:user_id/pets')).toBeUndefined()
		expect(checkPath('GET', '/a-b2-c')).toBeUndefined()
		expect(checkPath('GET', '/getStuff')).toBeString()
		expect(checkPath('GET', '/stuff/')).toBeString()
		expect(checkPath('POST', '/stuff/post')).toBeString()
		expect(checkPath('GET', '/users/:userId')).toBeString()
	})
})
