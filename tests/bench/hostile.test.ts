/**
 * The hostile requests of the bench's attack scenario: what they are, that the service answers each
 * as the bench expects (in process), and that wrk sends every one of them through the Lua script
 * (a one-second run against a recording server).
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { createAcme } from '../../src/acme'
import { isPrime } from '../../src/acme/primes'
import { parseSettings } from '../../src/auth'
import { cleanup, hostileRequests, primesBelow2to53, rotatingScript, wrk } from '../../scripts/bench-lib'
import { FAST_PASSWORDS } from '../support/helpers'
import { needing, requireProgram } from '../support/real-servers'

const CONFIG = {
	FSA_AUTH: ['token', 'basic', 'param', 'none'],
	FSA_PARAM_USER: 'username',
	FSA_PARAM_PASS: 'password',
	FSA_TOKEN_SECRET: 'some-long-benchmark-secret-0123456789',
	FSA_MODE: 'prod',
	...FAST_PASSWORDS
}
const { maxDepth, maxParams } = parseSettings(CONFIG)
const PRIMES = primesBelow2to53(200, isPrime)
const HOSTILE = hostileRequests({ maxDepth, maxParams }, PRIMES)

afterAll(cleanup)

describe('hostile requests', () => {
	it('the largest primes below 2^53, largest first', () => {
		expect(PRIMES).toHaveLength(200)
		expect(PRIMES[0]).toBe(9007199254740881)
		expect(PRIMES.every((n, i) => Number.isSafeInteger(n) && isPrime(n) && (i === 0 || n < PRIMES[i - 1]!))).toBe(
			true
		)
	})

	it('go one past FSA_MAX_DEPTH and FSA_MAX_PARAMS', () => {
		expect(HOSTILE.map((request) => request.kind)).toEqual([
			'huge-primes',
			'deep-json',
			'many-params'
		])
		const byKind = Object.fromEntries(HOSTILE.map((request) => [request.kind, request]))
		const p = new URL(`http://x${byKind['deep-json']!.path}`).searchParams.get('p')!
		expect(p).toBe('['.repeat(maxDepth + 1) + ']'.repeat(maxDepth + 1))
		expect(new URL(`http://x${byKind['many-params']!.path}`).searchParams.getAll('li')).toHaveLength(maxParams + 1)
		expect(new URL(`http://x${byKind['huge-primes']!.path}`).searchParams.getAll('li').map(Number)).toEqual(PRIMES)
	})

	it('get from the service the status the bench checks before its run', async () => {
		const { app, store } = await createAcme({ config: CONFIG, db: ':memory:' })
		try {
			for (const request of HOSTILE) {
				const response = await app.handle(
					new Request(`http://localhost${request.path}`, {
						method: request.method,
						headers: request.headers,
						body: request.body
					})
				)
				const text = await response.text()
				expect([request.kind, response.status]).toEqual([request.kind, request.status])
				if (request.kind === 'huge-primes') expect(JSON.parse(text)).toEqual(PRIMES)
				else expect(text).toMatch(/too many|too deep|nest|depth/i)
			}
		} finally {
			await store.close()
		}
	})

	it('a rotating script needs a request', () => {
		expect(() => rotatingScript('empty', [])).toThrow('at least one request')
	})
})

const wrkPath = await requireProgram('wrk', () => Bun.which('wrk'))

describe.skipIf(!wrkPath)(needing('the hostile wrk script', 'wrk', wrkPath), () => {
	it('sends every hostile request, as written, over a one-second run', async () => {
		const seen = new Map<string, number>()
		const server = Bun.serve({
			port: 0,
			hostname: '127.0.0.1',
			async fetch(request) {
				const url = new URL(request.url)
				const body = await request.text()
				const kind = HOSTILE.find(
					(hostile) =>
						(hostile.method ?? 'GET') === request.method &&
						hostile.path === url.pathname + url.search &&
						(hostile.body ?? '') === body &&
						Object.entries(hostile.headers ?? {}).every(([name, value]) => request.headers.get(name) === value)
				)?.kind
				seen.set(kind ?? 'unknown', (seen.get(kind ?? 'unknown') ?? 0) + 1)
				return new Response(kind ? 'ok' : 'unexpected', { status: kind ? 200 : 500 })
			}
		})
		try {
			const result = await wrk({
				url: `http://127.0.0.1:${server.port}`,
				seconds: 1,
				threads: 1,
				connections: 1,
				script: rotatingScript('hostile-test', HOSTILE)
			})
			expect(result.requests).toBeGreaterThan(0)
			expect(seen.get('unknown')).toBeUndefined()
			expect([...seen.keys()].sort()).toEqual(HOSTILE.map((request) => request.kind).sort())
		} finally {
			await server.stop(true)
		}
	}, 30_000)
})
