/**
 * Typed route parameters: FlaskSimpleAuth's conversions, where parameters come from, and
 * every fault collected into one 400.
 */
import { beforeAll, describe, expect, it } from 'bun:test'
import { Kind, type TSchema } from '@sinclair/typebox'
import {
	TypeCompiler,
	TypeCompilerTypeGuardError,
	TypeCompilerUnknownTypeError
} from '@sinclair/typebox/compiler'
import { Elysia, t } from 'elysia'
import { JsonData, SimpleAuth, checkRoutes, simpleAuth, type RawConfig } from '../../src/auth'
import { parseBoolean, parseInteger } from '../../src/auth/params/args'
import { FAST_PASSWORDS, call, fastHash } from '../support/helpers'

describe('parseInteger: Python int(s, 0)', () => {
	it.each([
		['11', 11],
		['0x11', 17],
		['0X1f', 31],
		['0o11', 9],
		['0b11', 3],
		['0', 0],
		['00', 0],
		['-5', -5],
		['+5', 5],
		['-0x11', -17],
		['1_000', 1000],
		[' 1', 1],
		['1 ', 1],
		['\t42\n', 42]
	])('reads %j as %d', (text, value) => {
		expect(parseInteger(text)).toBe(value)
	})

	it.each([
		'011',
		'1e3',
		'1.0',
		'',
		' ',
		'x',
		'0x',
		'0b2',
		'0o8',
		'1_',
		'_1',
		'1__0',
		'- 1',
		'١٢',
		'9007199254740993'
	])('refuses %j', (text) => {
		expect(parseInteger(text)).toBeUndefined()
	})
})

describe('parseBoolean', () => {
	it.each(['', '0', 'false', 'False', 'fALSE', 'FALSE', 'f', 'F'])('reads %j as false', (text) => {
		expect(parseBoolean(text)).toBe(false)
	})

	it.each(['1', 'true', 'True', 'foofoo', 'no', 'off', 'n', ' ', '00', 'false '])(
		'reads %j as true',
		(text) => {
			expect(parseBoolean(text)).toBe(true)
		}
	)
})

describe('typed parameters in a route', () => {
	let app: Elysia<any, any, any, any, any, any, any>
	let hash: string

	function build(config: RawConfig = {}) {
		const auth = new SimpleAuth({
			name: 'test',
			config: { ...FAST_PASSWORDS, FSA_AUTH: ['token', 'param', 'none'], ...config }
		})
		auth.getUserPass((login) => (login === 'calvin' ? hash : null))
		const built = new Elysia()
			.use(simpleAuth(auth))
			.get('/scalars', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({
					s: t.String(),
					n: t.Number(),
					i: t.Integer(),
					b: t.Boolean()
				})
			})
			.post('/shapes', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({
					l: t.Optional(t.Array(t.Integer())),
					o: t.Optional(t.Object({ a: t.Number() })),
					d: t.Optional(t.String({ format: 'date' })),
					j: t.Optional(JsonData())
				})
			})
			.get('/defaults', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({
					k: t.Integer({ default: 7 }),
					m: t.Optional(t.String()),
					words: t.Array(t.String(), { default: [] })
				})
			})
			.get('/item/:id', ({ args }) => args, { authz: 'OPEN', args: t.Object({ id: t.Integer() }) })
			.post('/one', ({ args }) => args, { authz: 'OPEN', args: t.Object({ s: t.String() }) })
			.get('/me', ({ user, args }) => ({ user, args }), {
				authz: 'AUTH',
				args: t.Object({ x: t.Optional(t.String()) })
			})
			.get('/json', ({ args }) => args, { authz: 'OPEN', args: t.Object({ j: JsonData() }) })
		checkRoutes(built)
		return built
	}

	beforeAll(async () => {
		hash = await fastHash('hobbes')
		app = build()
	})

	it('converts strings, numbers, integers and booleans from the query', async () => {
		const response = await call(app, 'GET', '/scalars', {
			query: { s: '0x11', n: '2.5', i: '0x11', b: 'F' }
		})
		expect(response.status).toBe(200)
		expect(response.json).toEqual({ s: '0x11', n: 2.5, i: 17, b: false })
	})

	it('casts JSON strings to the declared type, and keeps JSON numbers numbers', async () => {
		const response = await call(app, 'GET', '/scalars', {
			json: { s: '12', n: '1e3', i: '0b11', b: 'true' }
		})
		expect(response.json).toEqual({ s: '12', n: 1000, i: 3, b: true })
		const number = await call(app, 'GET', '/scalars', { json: { s: 12, n: 1, i: 1, b: true } })
		expect(number.status).toBe(400)
		expect(number.text).toContain('parameter "s"')
	})

	it('keeps JSON booleans and refuses a JSON number for a boolean', async () => {
		expect((await call(app, 'GET', '/scalars', { json: { s: 'x', n: 1, i: 1, b: false } })).json.b).toBe(
			false
		)
		const response = await call(app, 'GET', '/scalars', { json: { s: 'x', n: 1, i: 1, b: 0 } })
		expect(response.status).toBe(400)
		expect(response.text).toContain('parameter "b"')
	})

	it.each([1.5, '1.5', '011', '1e3', ' '])(
		'refuses %j for an integer, even where Elysia would take it',
		async (i) => {
			const json = await call(app, 'GET', '/scalars', { json: { s: 'x', n: 1, i, b: true } })
			expect(json.status).toBe(400)
			expect(json.text).toStartWith('parameter "i" ')
			const query = await call(app, 'GET', '/scalars', {
				query: { s: 'x', n: '1', i: String(i), b: '1' }
			})
			expect(query.status).toBe(400)
		}
	)

	it('makes a list of repeated query parameters', async () => {
		const response = await call(app, 'POST', '/shapes', { query: { l: ['1', '0x2', '3'] } })
		expect(response.json).toEqual({ l: [1, 2, 3] })
		expect((await call(app, 'POST', '/shapes', { form: { l: ['4', '5'] } })).json).toEqual({ l: [4, 5] })
	})

	it('takes a JSON array as a list, casting string items', async () => {
		expect((await call(app, 'POST', '/shapes', { json: { l: [1, '2'] } })).json).toEqual({ l: [1, 2] })
	})

	it.each([
		['a list with a boolean', { l: [true, 2] }],
		['a list with a word', { l: [1, 'two'] }],
		['a string for a list', { l: 'string' }],
		['an array for an object', { o: [] }],
		['an object with a bad field', { o: { a: 'x' } }],
		['a number for an object', { o: 5432 }]
	])('refuses %s with 400', async (_, json) => {
		const response = await call(app, 'POST', '/shapes', { json })
		expect(response.status).toBe(400)
		expect(response.text).toContain(`parameter "${Object.keys(json)[0]}"`)
	})

	it('reads an object from a JSON string in a form field or from a JSON object', async () => {
		expect((await call(app, 'POST', '/shapes', { form: { o: '{"a":1}' } })).json).toEqual({ o: { a: 1 } })
		expect((await call(app, 'POST', '/shapes', { json: { o: { a: 2 } } })).json).toEqual({ o: { a: 2 } })
		const bad = await call(app, 'POST', '/shapes', { form: { o: '{a:1}' } })
		expect(bad.status).toBe(400)
		expect(bad.text).toContain('parameter "o"')
	})

	it('validates a date format strictly (YYYY-MM-DD, a real day)', async () => {
		expect((await call(app, 'POST', '/shapes', { json: { d: '2024-02-29' } })).json).toEqual({
			d: '2024-02-29'
		})
		for (const d of [
			'2023-02-29',
			'2023-02-30',
			'2023-2-3',
			'03/02/2023',
			'tomorrow',
			'2023-02-03T10:00:00Z'
		]) {
			const response = await call(app, 'POST', '/shapes', { json: { d } })
			expect(response.status).toBe(400)
			expect(response.text).toContain('parameter "d"')
		}
	})

	it('reads JsonData as JSON over HTTP and as is from a JSON body', async () => {
		const json = async (options: Parameters<typeof call>[3]) =>
			(await call(app, 'GET', '/json', options)).json
		expect(await json({ query: { j: 'null' } })).toEqual({ j: null })
		expect(await json({ query: { j: '5432' } })).toEqual({ j: 5432 })
		expect(await json({ query: { j: '{"n":1}' } })).toEqual({ j: { n: 1 } })
		expect(await json({ json: { j: 'null' } })).toEqual({ j: 'null' })
		expect(await json({ json: { j: [1, { a: null }] } })).toEqual({ j: [1, { a: null }] })
		expect((await call(app, 'GET', '/json', { query: { j: 'bad-json' } })).status).toBe(400)
		expect((await call(app, 'GET', '/json')).status).toBe(400)
	})

	it('fills defaults and leaves optional parameters out', async () => {
		expect((await call(app, 'GET', '/defaults')).json).toEqual({ k: 7, words: [] })
		expect(
			(await call(app, 'GET', '/defaults', { query: { k: '8', m: 'x', words: ['a', 'b'] } })).json
		).toEqual({
			k: 8,
			m: 'x',
			words: ['a', 'b']
		})
	})

	it('lists every missing and invalid parameter in one 400', async () => {
		const response = await call(app, 'GET', '/scalars', { query: { n: 'two', i: '011', z: '1' } })
		expect(response.status).toBe(400)
		const lines = response.text.split('\n')
		expect(lines).toHaveLength(5)
		expect(lines).toContain('parameter "s" is missing')
		expect(lines).toContain('parameter "b" is missing')
		expect(lines.some((line) => line.startsWith('parameter "n" type error on "two"'))).toBe(true)
		expect(lines.some((line) => line.startsWith('parameter "i" type error on "011"'))).toBe(true)
		expect(lines).toContain('unexpected http parameter "z"')
	})

	it('names unexpected parameters by where they came from', async () => {
		const http = await call(app, 'POST', '/one', { form: { s: 'x', j: 'oops' } })
		expect(http.status).toBe(400)
		expect(http.text).toBe('unexpected http parameter "j"')
		const json = await call(app, 'POST', '/one', { json: { s: 'x', h: 1 } })
		expect(json.status).toBe(400)
		expect(json.text).toBe('unexpected json parameter "h"')
	})

	it('accepts unexpected parameters when FSA_REJECT_UNEXPECTED_PARAM is false', async () => {
		const lenient = build({ FSA_REJECT_UNEXPECTED_PARAM: false })
		const response = await call(lenient, 'POST', '/one', { json: { s: 'x', h: 1 } })
		expect(response.status).toBe(200)
		expect(response.json).toEqual({ s: 'x' })
	})

	it('never counts authentication parameters as unexpected', async () => {
		const response = await call(app, 'GET', '/me', { query: { USER: 'calvin', PASS: 'hobbes', x: 'y' } })
		expect(response.status).toBe(200)
		expect(response.json).toEqual({ user: 'calvin', args: { x: 'y' } })
		const withToken = build({ FSA_TOKEN_CARRIER: 'param', FSA_TOKEN_NAME: 'auth' })
		expect(
			(
				await call(withToken, 'GET', '/scalars', {
					query: { s: 'x', n: '1', i: '1', b: '1', auth: 'zz' }
				})
			).status
		).toBe(200)
		expect(
			(await call(app, 'GET', '/scalars', { query: { s: 'x', n: '1', i: '1', b: '1', auth: 'zz' } }))
				.text
		).toBe('unexpected http parameter "auth"')
	})

	it('converts path parameters and refuses them from the request too', async () => {
		expect((await call(app, 'GET', '/item/18')).json).toEqual({ id: 18 })
		expect((await call(app, 'GET', '/item/0x12')).status).toBe(400)
		for (const path of ['/item/abc', '/item/%zz']) {
			const bad = await call(app, 'GET', path)
			expect(bad.status).toBe(400)
			expect(bad.text).toStartWith('parameter "id"')
		}
		for (const options of [{ query: { id: '3' } }, { json: { id: 3 } }]) {
			const both = await call(app, 'GET', '/item/12', options)
			expect(both.status).toBe(400)
			expect(both.text).toBe('parameter "id" both from path and request')
		}
	})

	it('takes the JSON body over the query string', async () => {
		expect(
			(await call(app, 'POST', '/one', { query: { s: 'query' }, json: { s: 'json' } })).json
		).toEqual({ s: 'json' })
	})

	it('takes the query string over the form', async () => {
		expect(
			(await call(app, 'POST', '/one', { query: { s: 'query' }, form: { s: 'form' } })).json
		).toEqual({ s: 'query' })
	})

	it('reads parameters from the body of a GET', async () => {
		expect((await call(app, 'GET', '/json', { json: { j: 1 } })).json).toEqual({ j: 1 })
	})

	it.each([
		['malformed JSON', 'application/json', '{"s": '],
		['a JSON array', 'application/json', '["s"]'],
		['a JSON string', 'application/json', '"s"'],
		['JSON null', 'application/json', 'null']
	])('answers %s with 400, not 500', async (_, type, body) => {
		const response = await app.handle(
			new Request('http://localhost/one', { method: 'POST', headers: { 'content-type': type }, body })
		)
		expect(response.status).toBe(400)
	})

	it('answers a body it cannot read with a 4xx', async () => {
		const response = await app.handle(
			new Request('http://localhost/one', {
				method: 'POST',
				headers: { 'content-type': 'text/xml' },
				body: '<s/>'
			})
		)
		expect(response.status).toBe(415)
	})
})

describe('compiling parameter schemas', () => {
	/** Run `work` counting TypeCompiler.Compile calls for the schemas of `properties`. */
	function countCompiles(properties: Record<string, TSchema>, work: () => unknown): Promise<number> {
		const original = TypeCompiler.Compile
		const watched = new Set(Object.values(properties))
		let count = 0
		TypeCompiler.Compile = ((...args: Parameters<typeof original>) => {
			if (watched.has(args[0])) count++
			return original(...args)
		}) as typeof original
		return Promise.resolve()
			.then(work)
			.then(() => count)
			.finally(() => (TypeCompiler.Compile = original))
	}

	const routeWith = (args: ReturnType<typeof t.Object>) => {
		const auth = new SimpleAuth({ name: 'compile', config: { ...FAST_PASSWORDS, FSA_AUTH: ['none'] } })
		return new Elysia().use(simpleAuth(auth)).get('/sum', ({ args }) => args, { authz: 'OPEN', args })
	}

	it('waits for the first request of the route, then compiles each parameter once', async () => {
		const schema = t.Object({ a: t.Integer(), b: t.Integer() })
		let app: Elysia<any, any, any, any, any, any, any> | undefined
		expect(await countCompiles(schema.properties, () => (app = routeWith(schema)))).toBe(0)
		const compiles = await countCompiles(schema.properties, async () => {
			expect((await call(app!, 'GET', '/sum?a=1&b=2')).json).toEqual({ a: 1, b: 2 })
			expect((await call(app!, 'GET', '/sum?a=1&b=x')).status).toBe(400)
			expect((await call(app!, 'GET', '/sum?a=3&b=4')).json).toEqual({ a: 3, b: 4 })
		})
		expect(compiles).toBe(2)
	})

	it('refuses at registration a schema TypeCompiler cannot compile, as before', () => {
		const nobodysKind = { [Kind]: 'NobodysKind' } as unknown as TSchema
		expect(() => routeWith(t.Object({ a: t.Optional(t.Array(nobodysKind)) }))).toThrow(
			TypeCompilerUnknownTypeError
		)
		const notASchema = { type: 'string' } as unknown as TSchema
		expect(() => routeWith(t.Object({ a: notASchema }))).toThrow(TypeCompilerTypeGuardError)
	})
})
