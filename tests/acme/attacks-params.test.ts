/**
 * Promises on request parameters: JSON nested deeper than FSA_MAX_DEPTH (64) is a 400, never a
 * stack overflow or a 500; error messages stay short whatever the request held; JSON values
 * keep their JSON types (a number is no string); FSA_MAX_PARAMS bounds the parameters of a
 * request and the items of its JSON lists and objects.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { Elysia, t } from 'elysia'
import { createAcme, DEFAULT_CONFIG } from '../../src/acme'
import { JsonData, SimpleAuth, parseSettings, simpleAuth } from '../../src/auth'
import { buildRequest, call, FAST_PASSWORDS, readResponse } from '../support/helpers'

const ADMIN = 'Adm1n-Secret'
const admin: [string, string] = ['acme', ADMIN]
const acme = createAcme({ config: { ...DEFAULT_CONFIG, ...FAST_PASSWORDS }, adminPassword: ADMIN })
afterAll(async () => (await acme).store.close())

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
/** A request whose body is `text`, sent as is. */
async function raw(method: string, path: string, text: string, type = 'application/json') {
	const { app } = await acme
	const request = buildRequest(method, path, { basic: admin, headers: { 'content-type': type } })
	return readResponse(await app.handle(new Request(request, { body: text })))
}

describe('JSON nested deeper than FSA_MAX_DEPTH: a 400, never a 500', () => {
	test('in a JSON body, from one level past the bound to a whole megabyte of brackets', async () => {
		for (const depth of [65, 1000, 100_000, 500_000]) {
			const answer = await raw('POST', '/stuff', `{"stuff": ${nested(depth - 1)}, "price": 1}`)
			expect([depth, answer.status]).toEqual([depth, 400])
			expect(answer.text.length).toBeLessThan(200)
		}
		const { app } = await acme
		expect((await call(app, 'GET', '/stuff', { basic: admin })).json).toEqual([])
	})

	test('in a JSON parameter of the query string; 64 levels pass', async () => {
		const { app } = await acme
		const len = (p: string) => call(app, 'GET', '/len', { query: { p } })
		expect((await len(nested(64))).json).toEqual({ len: 1 })
		for (const depth of [65, 10_000, 200_000]) {
			const answer = await len(nested(depth))
			expect([depth, answer.status]).toEqual([depth, 400])
			expect(answer.text).toContain('nested deeper than 64')
		}
		const deepObject = '{"a":'.repeat(100) + '1' + '}'.repeat(100)
		expect((await len(deepObject)).status).toBe(400)
	})
})

describe('error messages stay short whatever the input', () => {
	test('a huge value, a huge parameter name, many unexpected parameters', async () => {
		const { app } = await acme
		const huge = 'x'.repeat(200_000)
		const answers = [
			await call(app, 'POST', '/user', {
				basic: admin,
				json: { login: `${huge}!`, password: 'Pa55-word', email: 'e@acme.org' }
			}),
			await call(app, 'POST', '/stuff', { basic: admin, json: { stuff: 'pen', price: huge } }),
			await call(app, 'POST', '/stuff', { basic: admin, json: { stuff: 'pen', price: 1, [huge]: 1 } }),
			await call(app, 'GET', '/primes', {
				query: { li: Array.from({ length: 900 }, () => huge.slice(0, 100)) }
			}),
			await call(app, 'POST', '/stuff', {
				basic: admin,
				form: Object.fromEntries(
					Array.from({ length: 900 }, (_, index) => [`${huge.slice(0, 50)}${index}`, 'v'])
				)
			}),
			await raw('POST', '/stuff', '{}', `application/${huge.slice(0, 5000)}`)
		]
		for (const answer of answers) {
			expect(answer.status).toBeGreaterThanOrEqual(400)
			expect(answer.status).toBeLessThan(500)
			expect(answer.text.length).toBeLessThanOrEqual(1000)
			expect(answer.text.split('\n').length).toBeLessThanOrEqual(11)
		}
		expect(answers[4].text).toContain('more errors')
		expect((await call(app, 'GET', '/stuff', { basic: admin })).json).toEqual([])
	})
})

describe('JSON values keep their JSON types', () => {
	test('a JSON number for a string parameter is a 400, nothing stored; a form string is taken as is', async () => {
		const { app } = await acme
		const number = await call(app, 'POST', '/stuff', { basic: admin, json: { stuff: 12, price: 1 } })
		expect(number.status).toBe(400)
		expect(number.text).toContain('parameter "stuff"')
		expect((await call(app, 'GET', '/stuff', { basic: admin })).json).toEqual([])
		const form = await call(app, 'POST', '/stuff', { basic: admin, form: { stuff: '12', price: '1.5' } })
		expect(form.status).toBe(201)
		expect((await call(app, 'GET', '/stuff', { basic: admin })).json).toEqual([['12', 1.5]])
		const query = await call(app, 'GET', '/primes', { query: { li: ['7', '0x0b'] } })
		expect(query.json).toEqual([7, 11])
	})
})

describe('FSA_MAX_PARAMS and FSA_MAX_DEPTH', () => {
	test('the default bound of 1000 parameters: /primes takes 1000 numbers, not 1001', async () => {
		const { app } = await acme
		const li = (count: number) => Array.from({ length: count }, () => '7')
		expect((await call(app, 'GET', '/primes', { query: { li: li(1000) } })).json).toHaveLength(1000)
		const over = await call(app, 'GET', '/primes', { query: { li: li(1001) } })
		expect(over.status).toBe(400)
		expect(over.text).toBe('too many parameters: more than 1000')
	})

	const limited = () => {
		const auth = new SimpleAuth({
			name: 'limits',
			config: { FSA_AUTH: 'none', FSA_MAX_PARAMS: 5, FSA_MAX_DEPTH: 3, ...FAST_PASSWORDS }
		})
		return new Elysia()
			.use(simpleAuth(auth))
			.post('/list', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({ li: t.Array(t.Integer()) })
			})
			.post('/data', ({ args }) => args, {
				authz: 'OPEN',
				args: t.Object({ d: JsonData(), e: t.Optional(t.String()) })
			})
	}

	test.each([
		['five list items from the query', { query: { li: ['1', '2', '3', '4', '5'] } }, 200],
		['six list items from the query', { query: { li: ['1', '2', '3', '4', '5', '6'] } }, 400],
		['six list items from a form', { form: { li: ['1', '2', '3', '4', '5', '6'] } }, 400],
		['five list items in JSON', { json: { li: [1, 2, 3, 4, 5] } }, 200],
		['six list items in JSON', { json: { li: [1, 2, 3, 4, 5, 6] } }, 400]
	])('%s', async (_name, options, status) => {
		expect((await call(limited(), 'POST', '/list', options)).status).toBe(status)
	})

	test.each([
		['three levels in a JSON body', { json: { d: [[1]] } }, 200],
		['four levels in a JSON body', { json: { d: [[[1]]] } }, 400],
		['four levels in a JSON string', { query: { d: '[[[[1]]]]' } }, 400],
		['three levels in a JSON string', { query: { d: '[[[1]]]' } }, 200],
		['an object of six keys inside', { json: { d: { a: 1, b: 2, c: 3, e: 4, f: 5, g: 6 } } }, 400],
		['six keys in the body', { json: { d: 1, a: 1, b: 2, c: 3, e: 4, f: 5 } }, 400],
		['six query parameters', { query: { d: '1', a: '1', b: '1', c: '1', e: '1', f: '1' } }, 400]
	])('%s', async (_name, options, status) => {
		const answer = await call(limited(), 'POST', '/data', options)
		expect(answer.status).toBe(status)
	})

	test('bounds below 1 are refused at start', () => {
		expect(() => parseSettings({ FSA_AUTH: 'none', FSA_MAX_PARAMS: 0 })).toThrow('FSA_MAX_PARAMS')
		expect(() => parseSettings({ FSA_AUTH: 'none', FSA_MAX_DEPTH: 0 })).toThrow('FSA_MAX_DEPTH')
		expect(parseSettings({ FSA_AUTH: 'none' })).toMatchObject({ maxParams: 1000, maxDepth: 64 })
	})
})
