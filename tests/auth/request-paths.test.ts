/**
 * Promise: the path that runs is the path that was asked for. Elysia finds the path at
 * `url.indexOf('/', 11)`, which assumes a host of at least four characters: with a shorter one
 * (or none, as Bun.serve gives a bare path for an empty or absent Host) routing, logging and
 * authorization would disagree. In process here; against the binary, on both transports, in
 * tests/binary/transports.test.ts.
 */
import { describe, expect, it } from 'bun:test'
import { Elysia } from 'elysia'
import { SimpleAuth, checkRoutes, simpleAuth, type RequestRecord } from '../../src/auth'
import { patternMatches, pathOf, routedPathOf, routedRight } from '../../src/auth/http/paths'
import { originOf, requestUrl } from '../../src/transport'
import { basicHeader, fastHash, readResponse } from '../support/helpers'

const hash = await fastHash('Hobbes1')

function app() {
	const records: RequestRecord[] = []
	const auth = new SimpleAuth({
		name: 'Test',
		config: { FSA_AUTH: ['basic', 'none'], FSA_PASSWORD_OPTS: { memory_cost: 64, time_cost: 1 } }
	})
		.getUserPass((login) => (login === 'calvin' ? hash : null))
		.requestLog((record) => void records.push(record))
	const served = new Elysia()
		.use(simpleAuth(auth))
		.get('/hello-me', ({ user }) => ({ msg: 'hello', user }), { authz: 'AUTH' })
		.get('/stuff/:sid', ({ params }) => ({ sid: params.sid }), { authz: 'OPEN' })
		.get('/hello', () => 'hello', { authz: 'OPEN' })
	checkRoutes(served)
	return { app: served, records }
}

const CALVIN = { authorization: basicHeader('calvin', 'Hobbes1') }

async function send(url: string) {
	const { app: served, records } = app()
	const answer = await readResponse(await served.handle(new Request(url, { headers: CALVIN })))
	return { ...answer, logged: records.map((record) => [record.path, record.status]) }
}

describe('a host too short for Elysia', () => {
	it.each([
		['a one-character host', 'http://a/zzzz/hello-me', '/zzzz/hello-me'],
		['a three-character host', 'http://api/zz/hello-me', '/zz/hello-me'],
		['a dynamic route', 'http://a/zzzz/stuff/x', '/zzzz/stuff/x'],
		['a path of many segments', 'http://a/b/c/d/e/hello-me?x=1', '/b/c/d/e/hello-me']
	])(
		'%s: 400, never the route of another path, and the log says the path asked for',
		async (_name, url, path) => {
			const answer = await send(url)
			expect(answer.status).toBe(400)
			expect(answer.text).toBe('invalid Host header: the request path cannot be told apart from it')
			expect(answer.text).not.toContain('hello')
			expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
			expect(answer.logged).toEqual([[path, 400]])
		}
	)

	it('a path that exists, under a short host, is refused rather than misrouted', async () => {
		const answer = await send('http://a/hello-me')
		expect([answer.status, answer.logged]).toEqual([400, [['/hello-me', 400]]])
	})

	it('a host of four characters and more routes as before', async () => {
		const answer = await send('http://abcd/hello-me')
		expect([answer.status, answer.json, answer.logged]).toEqual([
			200,
			{ msg: 'hello', user: 'calvin' },
			[['/hello-me', 200]]
		])
		expect((await send('http://abcd/zzzz/hello-me')).logged).toEqual([['/zzzz/hello-me', 404]])
		expect((await send('https://abc/stuff/x')).json).toEqual({ sid: 'x' })
		expect((await send('https://a/stuff/x')).logged).toEqual([['/stuff/x', 400]])
	})
})

describe('paths', () => {
	it('pathOf reads absolute URLs and the bare paths Bun.serve gives without a usable Host', () => {
		expect(pathOf('http://localhost/a/b?c=/d')).toBe('/a/b')
		expect(pathOf('http://a/zzzz/hello-me')).toBe('/zzzz/hello-me')
		expect(pathOf('/zzzz/hello-me?x=1')).toBe('/zzzz/hello-me')
		expect(pathOf('http://localhost')).toBe('/')
		// Elysia's own reading, which these guard
		expect(routedPathOf('http://a/zzzz/hello-me')).toBe('/hello-me')
		expect(routedPathOf('http://localhost/zzzz/hello-me')).toBe('/zzzz/hello-me')
	})

	it('routedRight accepts a route whose pattern matches the path asked for, and nothing else', () => {
		expect(routedRight('http://a/stuff/x', '/stuff/:sid')).toBe(true)
		expect(routedRight('http://a/zzzz/stuff/x', '/stuff/:sid')).toBe(false)
		expect(routedRight('/a/b/c/d/e/f/hello-me', '/hello-me')).toBe(false)
		expect(routedRight('/hello-me', '/hello-me')).toBe(true)
		expect(routedRight('http://a/hello-me', undefined)).toBe(false)
		expect(patternMatches('/files/*', '/files/a/b')).toBe(true)
		expect(patternMatches('/stuff/:sid', '/stuff/')).toBe(false)
		expect(patternMatches('/hello-me', '/hello-me/')).toBe(true)
		expect(patternMatches('/café', '/caf%C3%A9')).toBe(true)
	})

	it('the node transport takes the path of any target, and its scheme from the connection only', () => {
		const origin = originOf('127.0.0.1')
		expect(requestUrl('/zzzz/hello-me?x=1', origin)).toBe('http://127.0.0.1/zzzz/hello-me?x=1')
		expect(requestUrl('https://evil.example/hello-me?x=1', origin)).toBe('http://127.0.0.1/hello-me?x=1')
		expect(requestUrl('http://a/zzzz/hello-me', origin)).toBe('http://127.0.0.1/zzzz/hello-me')
		for (const target of ['ftp://x/hello', '*', 'hello', 'http://[::1/hello'])
			expect(requestUrl(target, origin)).toBeUndefined()
		expect(originOf('::')).toBe('http://[::]')
		expect(originOf('db')).toBe('http://localhost')
	})
})
