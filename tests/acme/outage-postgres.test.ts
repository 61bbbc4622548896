/**
 * Acme on a real PostgreSQL that the tests kill, freeze and restart on the same port: requests
 * that need the database answer 503 within 2 s in the configured error format, with one line on
 * stderr; open routes keep answering; /health names the database; the pool reconnects by
 * itself. A command or a start that cannot reach the database says so in one line.
 */
import { afterAll, afterEach, beforeEach, describe, expect, spyOn, test } from 'bun:test'
import { createAcme } from '../../src/acme'
import { run } from '../../src/cli'
import type { RawConfig } from '../../src/auth'
import { startPostgres } from '../../scripts/services'
import { call, FAST_PASSWORDS } from '../support/helpers'
import { eventually, requireServer, timed } from '../support/real-servers'

const postgres = requireServer('postgresql', await startPostgres())
const ADMIN: [string, string] = ['acme', 'Adm1n-Pass']
const LIMIT_MS = 2000
const CONFIG: RawConfig = {
	FSA_AUTH: ['basic', 'none'],
	FSA_ERROR_RESPONSE: 'json:error',
	...FAST_PASSWORDS
}

afterAll(async () => {
	await postgres?.stop()
})

describe.skipIf(!postgres)('PostgreSQL down or hanging', () => {
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
	const port = () => new URL(postgres!.url).port
	const open = () => createAcme({ config: CONFIG, db: postgres!.url, adminPassword: ADMIN[1] })

	test('killed: 503 at once, one log line, open routes answer, nothing changed, recovery', async () => {
		const { app, store } = await open()
		try {
			expect((await call(app, 'GET', '/hello-me', { basic: ADMIN })).status).toBe(200)
			await postgres!.kill()
			try {
				const { value: refused, ms } = await timed(() =>
					call(app, 'GET', '/hello-me', { basic: ADMIN })
				)
				expect(refused.status).toBe(503)
				expect(ms).toBeLessThan(LIMIT_MS)
				expect(refused.json).toEqual({ error: 'database unavailable' })
				expect(refused.headers.get('retry-after')).toBe('1')
				const added = await call(app, 'POST', '/stuff', {
					basic: ADMIN,
					json: { stuff: 'outage-pen', price: 1 }
				})
				expect(added.status).toBe(503)
				// one line for the outage, not one per request, naming the server
				const down = lines(/^database: postgres at 127\.0\.0\.1:\d+ unavailable/)
				expect(down).toHaveLength(1)
				expect(down[0]).toContain(`127.0.0.1:${port()}`)
				expect(errors.join('\n')).not.toContain(ADMIN[1])
				expect((await call(app, 'GET', '/hello')).status).toBe(200)
				const { value: health, ms: healthMs } = await timed(() => call(app, 'GET', '/health'))
				expect(healthMs).toBeLessThan(LIMIT_MS)
				expect(health.status).toBe(503)
				expect(health.json).toEqual({ status: 'unavailable', database: 'unavailable' })
			} finally {
				await postgres!.restart()
			}
			expect(
				await eventually(
					async () => (await call(app, 'GET', '/hello-me', { basic: ADMIN })).status === 200
				)
			).toBe(true)
			expect(lines(/^database: postgres at 127\.0\.0\.1:\d+ answers again$/)).toHaveLength(1)
			expect((await call(app, 'GET', '/health')).json).toEqual({ status: 'ok', database: 'ok' })
			// the write refused during the outage did not happen
			expect((await call(app, 'GET', '/stuff', { basic: ADMIN })).json).toEqual([])
		} finally {
			await store.close()
		}
	}, 60_000)

	test('frozen (accepts, never answers): 503 within 2 s, /health within 2 s, recovery', async () => {
		const { app, store } = await open()
		try {
			expect((await call(app, 'GET', '/hello-me', { basic: ADMIN })).status).toBe(200)
			postgres!.pause()
			try {
				const { value: refused, ms } = await timed(() =>
					call(app, 'GET', '/hello-me', { basic: ADMIN })
				)
				expect(refused.status).toBe(503)
				expect(ms).toBeLessThan(LIMIT_MS)
				expect(refused.json).toEqual({ error: 'database unavailable' })
				const { value: health, ms: healthMs } = await timed(() => call(app, 'GET', '/health'))
				expect(healthMs).toBeLessThan(LIMIT_MS)
				expect(health.status).toBe(503)
				expect(health.json).toEqual({ status: 'unavailable', database: 'unavailable' })
				expect((await call(app, 'GET', '/hello')).status).toBe(200)
				expect(lines(/^database: postgres at 127\.0\.0\.1:\d+ unavailable/)).toHaveLength(1)
			} finally {
				postgres!.resume()
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
	}, 60_000)

	test('a command that cannot reach the database: one line naming it, exit 1', async () => {
		await postgres!.kill()
		try {
			const url = postgres!.url.replace('acme@', 'acme:Secret-Pw@')
			expect(await run(['user', 'list', '--db', url])).toBe(1)
			expect(errors).toEqual([`acme: cannot use PostgreSQL at 127.0.0.1:${port()}: connection refused`])
		} finally {
			await postgres!.restart()
		}
	}, 60_000)
})
