/**
 * Promises of the transports, over raw sockets against the binary, on `--transport bun` and
 * `--transport node`: the path that runs is the path that was asked for, whatever the Host
 * (short, empty, absent in HTTP/1.0), and the request log says that path; a request is secure
 * by its connection or a trusted proxy's word, never by an absolute-form target's scheme.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Binary, type Server } from '../support/binary'
import { Recorder } from '../support/security'

const ADMIN_PASS = 'Adm1n-Transp0rt'
const CONFIG = `
FSA_AUTH = ["basic", "none"]
FSA_MODE = "prod"
FSA_TRUSTED_PROXIES = ["127.0.0.1"]
FSA_PASSWORD_OPTS = { memory_cost = 64, time_cost = 1 }
`
const BASIC = `Authorization: Basic ${Buffer.from(`acme:${ADMIN_PASS}`).toString('base64')}`

const binary = new Binary('acme-transports-')
const client = new Recorder()
const servers: Record<string, Server> = {}
let requests = 0

beforeAll(async () => {
	binary.build()
	const [bun, node] = await Promise.all(
		['bun', 'node'].map((transport) =>
			binary.start({ config: CONFIG, pass: ADMIN_PASS, args: ['--transport', transport] })
		)
	)
	Object.assign(servers, { bun, node })
}, 60_000)

afterAll(() => binary.cleanup())

/** Send a raw request with its own id; resolves to the answer and the log record of that id. */
async function raw(transport: string, requestLine: string, headers: string[]) {
	const server = servers[transport]
	const id = `transport-${++requests}`
	const text = `${[requestLine, ...headers, `X-Request-Id: ${id}`].join('\r\n')}\r\n\r\n`
	const answer = await client.raw(server.port, text)
	// the log line is written once the response is made: give it a moment to reach the pipe
	let record: { path?: string; status?: number } | undefined
	for (let attempt = 0; attempt < 50 && record === undefined; attempt++) {
		record = server
			.stdout()
			.split('\n')
			.filter((line) => line.includes(`"${id}"`))
			.map((line) => JSON.parse(line))[0]
		if (record === undefined) await Bun.sleep(20)
	}
	return { ...answer, logged: record === undefined ? undefined : [record.path, record.status] }
}

const HOSTS: [string, string, string[]][] = [
	['Host: a', 'HTTP/1.1', ['Host: a', 'Connection: close']],
	['Host: abc', 'HTTP/1.1', ['Host: abc', 'Connection: close']],
	['an empty Host', 'HTTP/1.1', ['Host: ', 'Connection: close']],
	['no Host (HTTP/1.0)', 'HTTP/1.0', []]
]

describe.each(['bun', 'node'])('--transport %s: the path that runs is the path asked for', (transport) => {
	test.each(HOSTS)(
		'%s: /zzzz/hello-me never runs /hello-me, and is logged as asked',
		async (_name, version, headers) => {
			const answer = await raw(transport, `GET /zzzz/hello-me ${version}`, [...headers, BASIC])
			expect([400, 404]).toContain(answer.status)
			expect(answer.text).not.toContain('hello')
			expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
			expect(answer.logged).toEqual(['/zzzz/hello-me', answer.status])
			const deep = await raw(transport, `GET /a/b/c/d/e/f/hello-me ${version}`, [...headers, BASIC])
			expect([400, 404]).toContain(deep.status)
			expect(deep.logged).toEqual(['/a/b/c/d/e/f/hello-me', deep.status])
		}
	)

	test.each(HOSTS)('%s: /hello-me runs /hello-me', async (_name, version, headers) => {
		const answer = await raw(transport, `GET /hello-me ${version}`, [...headers, BASIC])
		if (answer.status === 200) expect(answer.json).toEqual({ msg: 'hello', user: 'acme' })
		else expect(answer.status).toBe(400)
		expect(answer.logged).toEqual(['/hello-me', answer.status])
	})
})

describe.each(['bun', 'node'])('--transport %s: FSA_SECURE', (transport) => {
	const remote = ['Host: 127.0.0.1', 'Connection: close', 'X-Forwarded-For: 203.0.113.9']

	test('an absolute-form https:// target over plain HTTP is refused like plain HTTP', async () => {
		for (const target of [
			'https://127.0.0.1/hello',
			'https://evil.example/hello',
			'http://127.0.0.1/hello'
		]) {
			const answer = await raw(transport, `GET ${target} HTTP/1.1`, remote)
			expect([target, answer.status, answer.text]).toEqual([
				target,
				403,
				'insecure HTTP request denied'
			])
			expect(answer.logged).toEqual(['/hello', 403])
		}
	})

	test('the trusted proxy saying https lets the same request through; loopback needs no proxy', async () => {
		const proxied = await raw(transport, 'GET https://127.0.0.1/hello HTTP/1.1', [
			...remote,
			'X-Forwarded-Proto: https'
		])
		expect(proxied.status).toBe(200)
		const local = await raw(transport, 'GET /hello HTTP/1.1', ['Host: 127.0.0.1', 'Connection: close'])
		expect(local.status).toBe(200)
	})
})

describe("the HTTP parsers' own refusals", () => {
	const oversized = `GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`
	const badLine = 'BLAH\r\n\r\n'
	const badHeader = 'GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\nConnection: close\r\n\r\n'

	test('--transport node: oversized headers get a 431, a bad request line or header a 400, with nosniff', async () => {
		const port = servers.node.port
		const answers = await Promise.all(
			[oversized, badLine, badHeader].map((bytes) => client.raw(port, bytes))
		)
		expect(answers.map((answer) => [answer.status, answer.text])).toEqual([
			[431, 'request header fields too large'],
			[400, 'malformed request'],
			[400, 'malformed request']
		])
		for (const answer of answers) expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
		// and the server goes on serving
		expect(
			(await raw('node', 'GET /hello HTTP/1.1', ['Host: 127.0.0.1', 'Connection: close'])).status
		).toBe(200)
	})

	test('--transport bun: Bun answers these itself, bodiless and without the framework headers (SECURITY.md)', async () => {
		const port = servers.bun.port
		const body = 'a'.repeat(1024 * 1024 + 128 * 1024)
		const tooLarge = `POST /stuff HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`
		const answers = await Promise.all(
			[oversized, badLine, badHeader, tooLarge].map((bytes) => client.raw(port, bytes))
		)
		expect(answers.map((answer) => [answer.status, answer.text])).toEqual([
			[431, ''],
			[400, ''],
			[400, ''],
			[413, '']
		])
		for (const answer of answers) expect(answer.headers.get('x-content-type-options')).toBeNull()
		// a body over FSA_MAX_BODY but within Bun's margin gets the framework's own 413
		const justOver = 'a'.repeat(1024 * 1024 + 1)
		const framework = await client.raw(
			port,
			`POST /stuff HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${justOver.length}\r\nConnection: close\r\n\r\n${justOver}`
		)
		expect([framework.status, framework.headers.get('x-content-type-options')]).toEqual([413, 'nosniff'])
		expect(
			(await raw('bun', 'GET /hello HTTP/1.1', ['Host: 127.0.0.1', 'Connection: close'])).status
		).toBe(200)
	})
})
