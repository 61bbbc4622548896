/**
 * The fast paths of the request flow give the answers of the long way: OPEN routes without
 * parameters authorized at once, tokens and credentials memory already knows, and the way a
 * route is authorized chosen from all its options.
 */
import { beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { Elysia, t } from 'elysia'
import {
	ConfigError,
	SimpleAuth,
	checkRoutes,
	setClientAddress,
	simpleAuth,
	type RawConfig
} from '../../src/auth'
import { FAST_PASSWORDS, buildRequest, call, fastHash, readResponse } from '../support/helpers'

let calvinHash = ''
let version = 1

beforeAll(async () => {
	calvinHash = await fastHash('hobbes')
})

function makeAuth(config: RawConfig = {}): SimpleAuth {
	return new SimpleAuth({
		name: 'fast',
		config: { ...FAST_PASSWORDS, FSA_AUTH: ['token', 'basic', 'none'], ...config }
	})
		.getUserPass((login) => (login === 'calvin' ? calvinHash : null))
		.userVersion((login) => (login === 'calvin' ? version : null))
}

function makeApp(auth: SimpleAuth) {
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/open', ({ user, args }) => ({ user, args }), { authz: 'OPEN' })
		.post('/open', () => ({ posted: true }), { authz: 'OPEN' })
		.get('/open/:id', ({ params, args }) => ({ id: params.id, args }), { authz: 'OPEN' })
		// authn before authz, and after it: either way the route needs authentication
		.get('/basic-first', ({ user }) => ({ user }), { authn: ['basic'], authz: 'OPEN' })
		.get('/basic-last', ({ user }) => ({ user }), { authz: 'OPEN', authn: ['basic'] })
		.get('/auth', ({ user }) => ({ user }), { authz: 'AUTH' })
	return app
}

describe('OPEN routes without parameters', () => {
	const app = makeApp(makeAuth())

	it('answer at once, with the usual headers', async () => {
		const res = await call(app, 'GET', '/open')
		expect([res.status, res.json]).toEqual([200, { user: null, args: {} }])
		expect(res.headers.get('x-content-type-options')).toBe('nosniff')
		expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/)
		expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8')
	})

	it('run without a promise: Elysia composes them synchronous', () => {
		// Elysia reads the source of hooks to tell the asynchronous ones: a hook of the plugin
		// written (or built) as `return call(...)` would make every route wait
		const composed = (method: string, path: string) => {
			const route = app.routes.find((r) => r.method === method && r.path === path) as unknown as {
				compile?: () => unknown
				composed?: unknown
			}
			const handler = route.compile?.() ?? route.composed
			return (handler as { constructor: { name: string } }).constructor.name
		}
		expect(composed('GET', '/open')).toBe('Function')
		expect(composed('GET', '/open/:id')).toBe('Function')
		expect(composed('GET', '/auth')).toBe('AsyncFunction')
		expect(composed('GET', '/basic-last')).toBe('AsyncFunction')
	})

	it('leave a route that authenticates and asks nothing more waiting for its chain only', async () => {
		const auth = makeAuth().groupCheck('admin', (login) => login === 'calvin')
		const routes = new Elysia()
			.use(simpleAuth(auth))
			.get('/auth', ({ user, args }) => ({ user, args }), { authz: 'AUTH' })
			.get('/admin', ({ user }) => ({ user }), { authz: 'admin' })
			.get('/typed', ({ args }) => args, { authz: 'AUTH', args: t.Object({ n: t.Integer() }) })
		// the hooks Elysia waits for, in the source it composed for the route
		const waited = (path: string) => {
			const route = routes.routes.find((r) => r.path === path) as unknown as {
				compile?: () => unknown
				composed?: unknown
			}
			const source = String(route.compile?.() ?? route.composed)
			return source.match(/await e\.beforeHandle/g)?.length ?? 0
		}
		expect(waited('/auth')).toBe(1)
		expect(waited('/typed')).toBe(1)
		expect(waited('/admin')).toBe(2)
		// and authorizes all the same: parameters checked, groups asked
		const basic = { basic: ['calvin', 'hobbes'] as [string, string] }
		expect((await call(routes, 'GET', '/auth', basic)).json).toEqual({ user: 'calvin', args: {} })
		expect((await call(routes, 'GET', '/auth', { ...basic, query: { x: '1' } })).status).toBe(400)
		expect((await call(routes, 'GET', '/typed', { ...basic, query: { n: '7' } })).json).toEqual({ n: 7 })
		expect((await call(routes, 'GET', '/typed', { ...basic, query: { n: 'x' } })).status).toBe(400)
		expect((await call(routes, 'GET', '/typed', { query: { n: '7' } })).status).toBe(401)
		expect((await call(routes, 'GET', '/admin', basic)).json).toEqual({ user: 'calvin' })
	})

	it('refuse unexpected query parameters, and take path parameters', async () => {
		const res = await call(app, 'GET', '/open', { query: { x: '1' } })
		expect([res.status, res.text]).toEqual([400, 'unexpected http parameter "x"'])
		const id = await call(app, 'GET', '/open/42')
		expect([id.status, id.json]).toEqual([200, { id: '42', args: {} }])
	})

	it('refuse a body they would not read, unless unexpected parameters are let through', async () => {
		const posted = await call(app, 'POST', '/open', { json: { a: 1 } })
		expect([posted.status, posted.text]).toEqual([
			400,
			'unexpected request body: this route takes no parameters'
		])
		const got = await call(app, 'GET', '/open', { form: { a: '1' } })
		expect(got.status).toBe(400)
		expect((await call(app, 'POST', '/open')).status).toBe(200)
		const lax = makeApp(makeAuth({ FSA_REJECT_UNEXPECTED_PARAM: false }))
		expect((await call(lax, 'POST', '/open', { json: { a: 1 } })).json).toEqual({ posted: true })
	})

	it('need authentication when their authn lacks none, whatever the order of the options', async () => {
		for (const path of ['/basic-first', '/basic-last']) {
			expect((await call(app, 'GET', path)).status).toBe(401)
			const res = await call(app, 'GET', path, { basic: ['calvin', 'hobbes'] })
			expect([res.status, res.json]).toEqual([200, { user: 'calvin' }])
		}
		expect(checkRoutes(app)).toEqual([
			'OPEN route without the none scheme requires authentication: GET /basic-first',
			'OPEN route without the none scheme requires authentication: GET /basic-last'
		])
	})

	it('wait for a before-exec hook', async () => {
		const auth = makeAuth().beforeExec(() => new Response('held', { status: 418 }))
		const res = await call(makeApp(auth), 'GET', '/open')
		expect([res.status, res.text]).toEqual([418, 'held'])
	})

	it('refuse at registration a guard that adds authn the route did not show', () => {
		const app = new Elysia().use(simpleAuth(makeAuth()))
		expect(() =>
			app.guard({ authn: ['basic'] }, (guarded) =>
				guarded.get('/guarded', ({ user }) => ({ user }), { authz: 'OPEN' })
			)
		).toThrow('authn must be declared on the route itself, next to its authz')
		expect(() =>
			app.guard({ authn: ['basic'] }).get('/later', ({ user }) => ({ user }), { authz: 'AUTH' })
		).toThrow(ConfigError)
	})
})

describe('hooks that decide how requests flow', () => {
	it('are registered before simpleAuth(auth)', () => {
		const auth = makeAuth()
		simpleAuth(auth)
		expect(() => auth.beforeExec(() => undefined)).toThrow(
			'register beforeExec before using simpleAuth(auth)'
		)
		expect(() => auth.beforeRequest(() => undefined)).toThrow(
			'register beforeRequest before using simpleAuth(auth)'
		)
	})

	it('cannot be added by changing the lists handed out', async () => {
		const auth = makeAuth()
		const { hooks } = auth
		const sneak = () => new Response('sneaked in')
		expect(() => (hooks.beforeRequest as unknown[]).push(sneak)).toThrow(TypeError)
		expect(() => (hooks.afterRequest as unknown[]).push(sneak)).toThrow(TypeError)
		expect(() => (hooks.beforeExec as unknown[]).push(sneak)).toThrow(TypeError)
		expect(() => (hooks.requestLog as unknown[]).push(sneak)).toThrow(TypeError)
		expect(() => {
			;(hooks.headers as Record<string, string>)['x-sneaked'] = 'yes'
		}).toThrow(TypeError)
		const logged: string[] = []
		auth.requestLog((record) => logged.push(record.path))
		const app = new Elysia().use(simpleAuth(auth)).get('/open', () => 'open', { authz: 'OPEN' })
		const response = await app.handle(new Request('http://localhost/open'))
		expect(await response.text()).toBe('open')
		expect(response.headers.get('x-sneaked')).toBeNull()
		expect(logged).toEqual(['/open'])
		expect(hooks.requestLog.length).toBe(1)
	})
})

/** What a check answered at once, or undefined when it answered with a promise (then awaited). */
async function atOnce<T>(answer: T | Promise<T>): Promise<T | undefined> {
	if (!(answer instanceof Promise)) return answer
	await answer.catch(() => undefined)
	return undefined
}

describe('a known token', () => {
	it('is refused as soon as it is revoked, or its user is', async () => {
		const auth = makeAuth()
		const app = makeApp(auth)
		const token = await auth.createToken('calvin')
		for (let i = 0; i < 3; i++)
			expect((await call(app, 'GET', '/auth', { bearer: token })).status).toBe(200)
		expect((await atOnce(auth.verifyToken(token)))?.user).toBe('calvin')
		await auth.revokeToken(token)
		expect(await atOnce(auth.verifyToken(token))).toBeUndefined()
		expect(auth.verifyToken(token)).rejects.toThrow('revoked auth token')
		const res = await call(app, 'GET', '/auth', { bearer: token })
		expect([res.status, res.text]).toEqual([401, 'revoked auth token'])
		const other = await auth.createToken('calvin', { delayMinutes: 5 })
		expect((await call(app, 'GET', '/auth', { bearer: other })).status).toBe(200)
		await auth.revokeUser('calvin')
		expect((await call(app, 'GET', '/auth', { bearer: other })).status).toBe(401)
	})

	it('is checked the long way once expired, and when it is uncached', async () => {
		const auth = makeAuth()
		const app = makeApp(auth)
		const token = await auth.createToken('calvin')
		expect((await call(app, 'GET', '/auth', { bearer: token })).status).toBe(200)
		await auth.tokenUncache(token)
		expect(await atOnce(auth.verifyToken(token))).toBeUndefined()
		expect((await call(app, 'GET', '/auth', { bearer: token })).status).toBe(200)
		const expired = await auth.createToken('calvin', { delayMinutes: -1 })
		expect((await call(app, 'GET', '/auth', { bearer: expired })).status).toBe(401)
	})
})

describe('known credentials', () => {
	it('skip hashing, but never a changed password or a throttled login', async () => {
		const auth = makeAuth({ FSA_THROTTLE_LOGIN: 2, FSA_THROTTLE_ADDRESS: 100, FSA_SECURE: false })
		const app = makeApp(auth)
		const from = (address: string, password: string) =>
			app.handle(
				setClientAddress(buildRequest('GET', '/auth', { basic: ['calvin', password] }), address)
			)
		expect((await readResponse(await from('192.0.2.1', 'hobbes'))).status).toBe(200)
		// known: neither hashed nor queued behind the guard of the login's other checks
		const guard = spyOn(auth.throttle, 'guard')
		const verify = spyOn(auth.passwords, 'verify')
		expect((await readResponse(await from('192.0.2.1', 'hobbes'))).status).toBe(200)
		expect([guard.mock.calls.length, verify.mock.calls.length]).toEqual([0, 0])
		// two failures lock the login out from this address: 429 even for the right password
		for (let i = 0; i < 2; i++)
			expect((await readResponse(await from('192.0.2.1', 'wrong'))).status).toBe(401)
		expect((await readResponse(await from('192.0.2.1', 'hobbes'))).status).toBe(429)
		expect((await readResponse(await from('192.0.2.2', 'hobbes'))).status).toBe(200)
		// a new password (a new version): the old one stops at once
		calvinHash = await fastHash('susie')
		version++
		expect((await readResponse(await from('192.0.2.2', 'hobbes'))).status).toBe(401)
		expect((await readResponse(await from('192.0.2.2', 'susie'))).status).toBe(200)
	})
})

describe('typed routes', () => {
	it('still fill their arguments the long way', async () => {
		const app = new Elysia()
			.use(simpleAuth(makeAuth()))
			.get('/n', ({ args }) => args, { authz: 'OPEN', args: t.Object({ n: t.Integer() }) })
		const res = await call(app, 'GET', '/n', { query: { n: '3' } })
		expect([res.status, res.json]).toEqual([200, { n: 3 }])
	})
})
