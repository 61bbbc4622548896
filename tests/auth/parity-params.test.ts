/**
 * FlaskSimpleAuth parity, parameters: unexpected parameters, Python's integer and boolean
 * rules, path parameters sent twice, special parameters (CurrentUser, Cookie, Header,
 * registered kinds) and registered casts.
 */
import { beforeAll, describe, expect, it } from 'bun:test'
import { Elysia, t } from 'elysia'
import {
	Cast,
	ConfigError,
	Cookie,
	CurrentRequest,
	CurrentToken,
	ErrorResponse,
	CurrentUser,
	Header,
	SimpleAuth,
	Special,
	checkRoutes,
	simpleAuth,
	type RawConfig
} from '../../src/auth'
import { call, calvinAuth, fastHash, type RequestOptions } from '../support/helpers'

let calvinHash = ''

beforeAll(async () => {
	calvinHash = await fastHash('hobbes')
})

const makeAuth = (config: RawConfig = {}): SimpleAuth =>
	calvinAuth(calvinHash, { FSA_AUTH: ['token', 'basic', 'none'], ...config })

/** An app whose routes echo their typed arguments. */
function makeApp(auth: SimpleAuth) {
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/int', ({ args }) => args, { authz: 'OPEN', args: t.Object({ i: t.Integer() }) })
		.post('/int', ({ args }) => args, { authz: 'OPEN', args: t.Object({ i: t.Integer() }) })
		.get('/bool', ({ args }) => args, { authz: 'OPEN', args: t.Object({ b: t.Boolean() }) })
		.post('/bool', ({ args }) => args, { authz: 'OPEN', args: t.Object({ b: t.Boolean() }) })
		.get('/item/:id', ({ args }) => args, { authz: 'OPEN', args: t.Object({ id: t.Integer() }) })
		.get('/raw/:name', ({ params }) => params.name, { authz: 'OPEN' })
		.get('/me', ({ args }) => args, { authz: 'AUTH', args: t.Object({ me: CurrentUser() }) })
		.get('/cookies', ({ args }) => args, {
			authz: 'OPEN',
			args: t.Object({ session: Cookie(), lang: Cookie({ default: 'x' }) })
		})
		.get('/headers', ({ args }) => args, {
			authz: 'OPEN',
			args: t.Object({ user_agent: Header(), hello: Header({ default: 'nobody' }) })
		})
		.get('/request', ({ args }) => new URL(args.req.url).pathname, {
			authz: 'OPEN',
			args: t.Object({ req: CurrentRequest() })
		})
	checkRoutes(app)
	return app
}

const app = () => makeApp(makeAuth())
const CALVIN: RequestOptions = { basic: ['calvin', 'hobbes'] }

describe('FSA_REJECT_UNEXPECTED_PARAM', () => {
	it('refuses unknown parameters by default', async () => {
		const res = await call(app(), 'GET', '/int', { query: { i: '1', zz: '2' } })
		expect(res.status).toBe(400)
		expect(res.text).toBe('unexpected http parameter "zz"')
		const json = await call(app(), 'POST', '/int', { json: { i: 1, h: 2 } })
		expect(json.text).toBe('unexpected json parameter "h"')
	})

	it('lets them through when false', async () => {
		const lax = makeApp(makeAuth({ FSA_REJECT_UNEXPECTED_PARAM: false }))
		const res = await call(lax, 'GET', '/int', { query: { i: '1', zz: '2' } })
		expect(res.status).toBe(200)
		expect(res.json).toEqual({ i: 1 })
		expect((await call(lax, 'POST', '/int', { json: { i: 3, h: 2 } })).json).toEqual({ i: 3 })
	})
})

describe('integers and booleans, Python style', () => {
	it.each([
		['0x11', 17],
		['0X1f', 31],
		['0o11', 9],
		['0b11', 3],
		['11', 11],
		['-0x10', -16],
		['1_000', 1000],
		['0', 0]
	])('int %s is %d, in the query and as a JSON string', async (text, value) => {
		expect((await call(app(), 'GET', '/int', { query: { i: text } })).json).toEqual({ i: value })
		expect((await call(app(), 'POST', '/int', { json: { i: text } })).json).toEqual({ i: value })
	})

	it.each(['011', '0x', '1.0', 'three', '0b12', ''])('int %j is a 400', async (text) => {
		const res = await call(app(), 'GET', '/int', { query: { i: text } })
		expect(res.status).toBe(400)
		expect(res.text).toContain('parameter "i"')
	})

	it.each([
		['0', false],
		['', false],
		['False', false],
		['fALSE', false],
		['F', false],
		['f', false],
		['1', true],
		['foofoo', true],
		['True', true],
		['no', true]
	])('bool %j is %p', async (text, value) => {
		expect((await call(app(), 'GET', '/bool', { query: { b: text } })).json).toEqual({ b: value })
	})

	it('keeps JSON booleans and refuses JSON numbers for a bool', async () => {
		expect((await call(app(), 'POST', '/bool', { json: { b: false } })).json).toEqual({ b: false })
		expect((await call(app(), 'POST', '/bool', { json: { b: true } })).json).toEqual({ b: true })
		expect((await call(app(), 'POST', '/bool', { json: { b: 'F' } })).json).toEqual({ b: false })
		expect((await call(app(), 'POST', '/bool', { json: { b: 1 } })).status).toBe(400)
	})
})

describe('path parameters', () => {
	it('a path parameter also sent in the request is a 400', async () => {
		const res = await call(app(), 'GET', '/item/3', { query: { id: '4' } })
		expect(res.status).toBe(400)
		expect(res.text).toBe('parameter "id" both from path and request')
		expect((await call(app(), 'GET', '/item/3')).json).toEqual({ id: 3 })
		// also on routes without args
		const raw = await call(app(), 'GET', '/raw/x', { query: { name: 'y' } })
		expect(raw.text).toBe('parameter "name" both from path and request')
	})

	it('a path parameter is cast, from its canonical decimal spelling only', async () => {
		expect((await call(app(), 'GET', '/item/16')).json).toEqual({ id: 16 })
		for (const spelling of ['0x10', '016', '1.6e1', '%2016'])
			expect((await call(app(), 'GET', `/item/${spelling}`)).status).toBe(400)
		expect((await call(app(), 'GET', '/item/bad')).status).toBe(400)
	})
})

describe('special parameters', () => {
	it('CurrentUser() is the login', async () => {
		const res = await call(app(), 'GET', '/me', CALVIN)
		expect(res.status).toBe(200)
		expect(res.json).toEqual({ me: 'calvin' })
		expect((await call(app(), 'GET', '/me')).status).toBe(401)
	})

	it('sending a special parameter is a 400', async () => {
		const res = await call(app(), 'GET', '/me', { ...CALVIN, query: { me: 'dad' } })
		expect(res.status).toBe(400)
		expect(res.text).toBe('unexpected request parameter "me"')
		const cookie = await call(app(), 'GET', '/cookies', {
			headers: { cookie: 'session=abc' },
			query: { session: 'forged' }
		})
		expect(cookie.text).toBe('unexpected request parameter "session"')
	})

	it('Cookie() reads the cookie named like the parameter, with its default', async () => {
		const res = await call(app(), 'GET', '/cookies', { headers: { cookie: 'session=abc; other=1' } })
		expect(res.json).toEqual({ session: 'abc', lang: 'x' })
		const both = await call(app(), 'GET', '/cookies', { headers: { cookie: 'lang=fr; session=s' } })
		expect(both.json).toEqual({ session: 's', lang: 'fr' })
		const missing = await call(app(), 'GET', '/cookies', { headers: { cookie: 'lang=fr' } })
		expect(missing.status).toBe(400)
		expect(missing.text).toBe('parameter "session" is missing')
	})

	it('Header() reads the header named like the parameter, "_" as "-"', async () => {
		const res = await call(app(), 'GET', '/headers', {
			headers: { 'User-Agent': 'curl/8', HELLO: 'World!' }
		})
		expect(res.json).toEqual({ user_agent: 'curl/8', hello: 'World!' })
		const defaulted = await call(app(), 'GET', '/headers', { headers: { 'user-agent': 'x' } })
		expect(defaulted.json).toEqual({ user_agent: 'x', hello: 'nobody' })
		const missing = await call(app(), 'GET', '/headers', { headers: { hello: 'there' } })
		expect(missing.status).toBe(400)
		expect(missing.text).toBe('parameter "user_agent" is missing')
	})

	it('CurrentRequest() is the request', async () => {
		expect((await call(app(), 'GET', '/request')).text).toBe('/request')
	})

	it('CurrentToken() is the token that authenticated the request, and only that', async () => {
		const auth = makeAuth()
		const tokenApp = new Elysia().use(simpleAuth(auth)).get('/token', ({ args }) => args, {
			authz: 'AUTH',
			args: t.Object({ presented: CurrentToken() })
		})
		const token = await auth.createToken('calvin')
		const res = await call(tokenApp, 'GET', '/token', { bearer: token })
		expect(res.status).toBe(200)
		expect(res.json).toEqual({ presented: token })
		// authenticated without a token: there is none to give
		const basic = await call(tokenApp, 'GET', '/token', CALVIN)
		expect(basic.status).toBe(400)
		expect(basic.text).toBe('parameter "presented" is missing')
		// never taken from the request
		const forged = await call(tokenApp, 'GET', '/token', { bearer: token, query: { presented: 'x' } })
		expect(forged.status).toBe(400)
		expect(forged.text).toBe('unexpected request parameter "presented"')
	})

	it('auth.specialParameter registers a kind for Special(kind)', async () => {
		const auth = makeAuth().specialParameter(
			'ip',
			(name, { request, user }) => `${name}:${request.headers.get('x-real-ip') ?? '?'}:${user}`
		)
		const special = new Elysia().use(simpleAuth(auth)).get('/ip', ({ args }) => args, {
			authz: 'AUTH',
			args: t.Object({ where: Special('ip', t.String()) })
		})
		const res = await call(special, 'GET', '/ip', { ...CALVIN, headers: { 'x-real-ip': '10.1.2.3' } })
		expect(res.json).toEqual({ where: 'where:10.1.2.3:calvin' })
		expect((await call(special, 'GET', '/ip', { ...CALVIN, query: { where: 'x' } })).status).toBe(400)
	})

	it('a failing special parameter takes its default, or joins the one 400, or is a 500', async () => {
		const auth = makeAuth()
			.specialParameter('soft', () => {
				throw new ErrorResponse('no soft value here', 400)
			})
			.specialParameter('hard', () => {
				throw new Error('broken hook')
			})
		const special = new Elysia()
			.use(simpleAuth(auth))
			.get('/soft', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({ s: Special('soft', t.String()), i: t.Integer() })
			})
			.get('/fallback', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({ s: Special('soft', t.String({ default: 'dflt' })) })
			})
			.get('/hard', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({ h: Special('hard', t.String()) })
			})
		const soft = await call(special, 'GET', '/soft', { query: { i: 'x' } })
		expect(soft.status).toBe(400)
		expect(soft.text).toContain('error on parameter "s": no soft value here')
		expect(soft.text).toContain('parameter "i"')
		expect((await call(special, 'GET', '/fallback')).json).toEqual({ s: 'dflt' })
		const hard = await call(special, 'GET', '/hard')
		expect([hard.status, hard.text]).toEqual([500, 'unexpected error on parameter "h"'])
	})

	it('an unregistered special kind throws at route registration', () => {
		const plugin = new Elysia().use(simpleAuth(makeAuth()))
		expect(() =>
			plugin.get('/ip', () => 'x', { authz: 'OPEN', args: t.Object({ where: Special('ip') }) })
		).toThrow(ConfigError)
	})
})

describe('registered casts', () => {
	function castApp() {
		const auth = makeAuth()
			.cast('upper', (value) => String(value).toUpperCase())
			.cast('even', (value) => {
				const n = Number(value)
				if (!Number.isInteger(n) || n % 2 !== 0) throw new Error(`${value} is not even`)
				return n
			})
		return new Elysia()
			.use(simpleAuth(auth))
			.get('/cast', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({ s: Cast<string>('upper'), n: t.Optional(Cast<number>('even')) })
			})
			.post('/cast', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({ s: Cast<string>('upper') })
			})
	}

	it('converts with the registered function', async () => {
		expect((await call(castApp(), 'GET', '/cast', { query: { s: 'abc', n: '42' } })).json).toEqual({
			s: 'ABC',
			n: 42
		})
		expect((await call(castApp(), 'POST', '/cast', { json: { s: 'json' } })).json).toEqual({ s: 'JSON' })
	})

	it('a throwing cast is a 400', async () => {
		const res = await call(castApp(), 'GET', '/cast', { query: { s: 'abc', n: '3' } })
		expect(res.status).toBe(400)
		expect(res.text).toContain('parameter "n"')
	})

	it('an unregistered cast throws at route registration', () => {
		const plugin = new Elysia().use(simpleAuth(makeAuth()))
		expect(() =>
			plugin.get('/c', () => 'x', { authz: 'OPEN', args: t.Object({ c: Cast('nope') }) })
		).toThrow('no cast registered for "nope"')
	})
})
