/**
 * FSA_CACHE = "redis" with Redis going away and coming back, on a real redis-server that the
 * tests kill, freeze and restart on the same port: requests that need Redis answer 503 within
 * 2 s in the configured error format, with one line on stderr; open routes keep answering;
 * /health names the cache; the service recovers by itself. Also the compiled binary started
 * while Redis is down: it starts degraded (README, "Dependencies").
 */
import { afterAll, afterEach, beforeEach, describe, expect, spyOn, test } from 'bun:test'
import { createAcme } from '../../src/acme'
import type { RawConfig } from '../../src/auth'
import { startRedis } from '../../scripts/services'
import { Binary, http, toml } from '../support/binary'
import { call, FAST_PASSWORDS } from '../support/helpers'
import { eventually, requireServer, timed } from '../support/real-servers'

const redis = requireServer('redis-server', await startRedis())
const ADMIN: [string, string] = ['acme', 'Adm1n-Pass']
const LIMIT_MS = 2000

afterAll(async () => {
	await redis?.stop()
})

const config = (prefix: string): RawConfig => ({
	FSA_AUTH: ['basic', 'none'],
	FSA_CACHE: 'redis',
	FSA_CACHE_OPTS: { url: redis?.url ?? '' },
	FSA_CACHE_PREFIX: `${prefix}:`,
	FSA_ERROR_RESPONSE: 'json:error',
	...FAST_PASSWORDS
})

describe.skipIf(!redis)('Redis down or hanging, in process', () => {
	let errors: string[]
	let spy: ReturnType<typeof spyOn>
	beforeEach(() => {
		errors = []
		spy = spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
			errors.push(args.map(String).join(' '))
		})
	})
	afterEach(() => spy.mockRestore())

	const lines = (pattern: RegExp) => errors.filter((line) => pattern.test(line))
	const port = () => new URL(redis!.url).port

	test('killed: 503 at once, one log line, open routes answer, nothing changed, recovery', async () => {
		const { app, store } = await createAcme({ config: config('killed'), adminPassword: ADMIN[1] })
		try {
			expect((await call(app, 'GET', '/hello-me', { basic: ADMIN })).status).toBe(200)
			await redis!.kill()
			try {
				const { value: refused, ms } = await timed(() =>
					call(app, 'GET', '/hello-me', { basic: ADMIN })
				)
				expect(refused.status).toBe(503)
				expect(ms).toBeLessThan(LIMIT_MS)
				expect(refused.json).toEqual({ error: 'cache unavailable' })
				expect(refused.headers.get('retry-after')).toBe('1')
				// a write that needs the cache (the admin's password check) changes nothing
				const create = await call(app, 'POST', '/user', {
					basic: ADMIN,
					json: { login: 'hobbes', password: 'Tiger-123', email: 'hobbes@acme.org' }
				})
				expect(create.status).toBe(503)
				expect(await store.userExists('hobbes')).toBe(false)
				// one line for the outage, not one per request, naming the server and never a password
				const down = lines(/^cache: redis at 127\.0\.0\.1:\d+ unavailable/)
				expect(down).toHaveLength(1)
				expect(down[0]).toContain(`127.0.0.1:${port()}`)
				expect(errors.join('\n')).not.toContain(ADMIN[1])
				// an open route needs neither Redis nor the database
				expect((await call(app, 'GET', '/hello')).status).toBe(200)
				const { value: health, ms: healthMs } = await timed(() => call(app, 'GET', '/health'))
				expect(healthMs).toBeLessThan(LIMIT_MS)
				expect(health.status).toBe(503)
				expect(health.json).toEqual({ status: 'unavailable', database: 'ok', cache: 'unavailable' })
			} finally {
				await redis!.restart()
			}
			// back on the same port: the next requests reconnect without a restart of the service
			expect(
				await eventually(
					async () => (await call(app, 'GET', '/hello-me', { basic: ADMIN })).status === 200
				)
			).toBe(true)
			expect(lines(/^cache: redis at 127\.0\.0\.1:\d+ answers again$/)).toHaveLength(1)
			const health = await call(app, 'GET', '/health')
			expect(health.status).toBe(200)
			expect(health.json).toEqual({ status: 'ok', database: 'ok', cache: 'ok' })
		} finally {
			await store.close()
		}
	}, 30_000)

	test('frozen (accepts, never answers): 503 within 2 s, /health within 2 s, recovery', async () => {
		const { app, store } = await createAcme({ config: config('frozen'), adminPassword: ADMIN[1] })
		try {
			expect((await call(app, 'GET', '/hello-me', { basic: ADMIN })).status).toBe(200)
			redis!.pause()
			try {
				const { value: refused, ms } = await timed(() =>
					call(app, 'GET', '/hello-me', { basic: ADMIN })
				)
				expect(refused.status).toBe(503)
				expect(ms).toBeLessThan(LIMIT_MS)
				expect(refused.json).toEqual({ error: 'cache unavailable' })
				const { value: health, ms: healthMs } = await timed(() => call(app, 'GET', '/health'))
				expect(healthMs).toBeLessThan(LIMIT_MS)
				expect(health.status).toBe(503)
				expect(health.json.cache).toBe('unavailable')
				expect(lines(/^cache: redis at 127\.0\.0\.1:\d+ unavailable/)).toHaveLength(1)
			} finally {
				redis!.resume()
			}
			expect(
				await eventually(
					async () => (await call(app, 'GET', '/hello-me', { basic: ADMIN })).status === 200
				)
			).toBe(true)
			expect((await call(app, 'GET', '/health')).status).toBe(200)
		} finally {
			await store.close()
		}
	}, 30_000)
})

describe.skipIf(!redis)('the binary with Redis unreachable at start', () => {
	const binary = redis ? new Binary('acme-outage-').build() : undefined
	afterAll(async () => {
		await binary?.cleanup()
	})

	test('starts degraded with one line naming host and port, then recovers by itself', async () => {
		const redisPort = new URL(redis!.url).port
		await redis!.kill()
		let server
		try {
			server = await binary!.start({ config: toml(config('binary')), pass: ADMIN[1] })
			const basic = ADMIN.join(':')
			expect((await http('GET', `${server.base}/hello`)).status).toBe(200)
			const health = await http('GET', `${server.base}/health`)
			expect(health.status).toBe(503)
			expect(health.json).toEqual({ status: 'unavailable', database: 'ok', cache: 'unavailable' })
			const refused = await http('GET', `${server.base}/hello-me`, { basic })
			expect(refused.status).toBe(503)
			expect(refused.json).toEqual({ error: 'cache unavailable' })
			const down = server
				.stderr()
				.split('\n')
				.filter((line) => line.includes('unavailable'))
			expect(down).toEqual([
				`cache: redis at 127.0.0.1:${redisPort} unavailable (Connection closed): requests that need it answer 503 until it answers`
			])
			expect(server.stderr()).not.toMatch(/^\s+at /m)
		} finally {
			await redis!.restart()
		}
		expect(
			await eventually(
				async () =>
					(await http('GET', `${server.base}/hello-me`, { basic: ADMIN.join(':') })).status === 200
			)
		).toBe(true)
		expect((await http('GET', `${server.base}/health`)).json).toEqual({
			status: 'ok',
			database: 'ok',
			cache: 'ok'
		})
		// and down again while it serves: 503 within 2 s, a second line
		await redis!.kill()
		try {
			const { value: refused, ms } = await timed(() =>
				http('GET', `${server.base}/hello-me`, { basic: ADMIN.join(':') })
			)
			expect(refused.status).toBe(503)
			expect(ms).toBeLessThan(LIMIT_MS)
		} finally {
			await redis!.restart()
		}
		const exit = await server.stop()
		expect(exit.code).toBe(0)
		expect(exit.stderr.match(/^cache: redis at .* unavailable/gm)).toHaveLength(2)
		expect(exit.stderr.match(/^cache: redis at .* answers again$/gm)).toHaveLength(1)
		expect(exit.stderr + exit.stdout).not.toContain(ADMIN[1])
	}, 60_000)
})
