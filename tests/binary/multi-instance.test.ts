/**
 * Two instances of the compiled binary sharing one PostgreSQL and one Redis behave as one
 * service, also behind nginx with docs/nginx.conf. Real servers, started here on loopback;
 * skipped with a visible message only when they are not installed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { startPostgres, startRedis } from '../../scripts/services'
import { startNginx } from '../support/nginx'
import { Binary, http, toml, type Server } from '../support/binary'
import { needing, requireProgram, requireServer } from '../support/real-servers'
import { totp } from '../../src/auth'
import { STALENESS_MS } from '../../src/auth/cache/near'

const ADMIN = 'acme:Adm1n-Pass'
// installed where missing (as root; top-level await has no time limit)
const [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
const ready =
	requireServer('postgresql', postgres) !== undefined && requireServer('redis-server', redis) !== undefined
const nginx = ready
	? await requireProgram(
			'nginx',
			() => Bun.which('nginx') ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null)
		)
	: undefined
let binary: Binary
let config: string
let a: Server
let b: Server

beforeAll(async () => {
	if (!postgres || !redis) return
	binary = new Binary('acme-multi-').build()
	config = toml({
		FSA_AUTH: ['token', 'basic', 'param', 'none'],
		FSA_PASSWORD_OPTS: { memory_cost: 64, time_cost: 1 },
		FSA_TOKEN_SECRET: 'multi-instance-secret-0123456789',
		FSA_CACHE: 'redis',
		FSA_CACHE_OPTS: { url: redis.url },
		FSA_CACHE_PREFIX: 'acme:',
		FSA_THROTTLE_LOGIN: 3,
		FSA_TRUSTED_PROXIES: ['127.0.0.1']
	})
	// both start at once: migrations run under a lock, the admin is created once
	;[a, b] = await Promise.all([
		binary.start({ config, db: postgres.url, pass: 'Adm1n-Pass' }),
		binary.start({ config, db: postgres.url, pass: 'Adm1n-Pass' })
	])
})

afterAll(async () => {
	await binary?.cleanup()
	await Promise.all([postgres?.stop(), redis?.stop()])
})

/** A test of both instances: reported as skipped, saying why, where a server is missing. */
const shared = (name: string, body: () => Promise<void>) =>
	test.skipIf(!ready)(needing(name, 'postgresql or redis-server', ready), body)

/** Run a command of the binary on the shared database, `input` on stdin; its exit code. */
async function cli(args: string[], input = ''): Promise<number | null> {
	const exit = await binary.exec([...args, '--config', binary.file(config), '--db', postgres!.url], {
		stdin: input
	})
	return exit.code
}

/**
 * Wait until `refused` says another instance refuses what a change just ended, polling from the
 * end of the change; every request sent STALENESS_MS or more after it must be refused. Returns
 * how long the change took to be seen, in ms.
 */
async function seenWithinBound(refused: () => Promise<boolean>): Promise<number> {
	const changed = performance.now()
	let seen: number | undefined
	for (;;) {
		const sent = performance.now() - changed
		const refusedNow = await refused()
		if (!refusedNow && sent >= STALENESS_MS)
			throw new Error(`still accepted ${sent.toFixed(0)} ms after the change`)
		if (refusedNow) seen ??= sent
		if (sent >= STALENESS_MS) return seen!
		await Bun.sleep(5)
	}
}

describe('two instances, one PostgreSQL, one Redis', () => {
	shared('a user created on A logs in on B; a duplicate on B is a 409', async () => {
		const user = { login: 'calvin', password: 'Hobbes-1', email: 'calvin@acme.org' }
		expect((await http('POST', `${a.base}/user`, { basic: ADMIN, json: user })).status).toBe(201)
		expect((await http('GET', `${b.base}/hello-me`, { basic: 'calvin:Hobbes-1' })).json).toEqual({
			msg: 'hello',
			user: 'calvin'
		})
		expect((await http('POST', `${b.base}/user`, { basic: ADMIN, json: user })).status).toBe(409)
	})

	shared('a token from A works on B; an object permission on B uses data written on A', async () => {
		const { token } = (await http('GET', `${a.base}/token`, { basic: 'calvin:Hobbes-1' })).json
		expect((await http('GET', `${b.base}/hello-me`, { bearer: token })).status).toBe(200)
		expect(
			(await http('POST', `${a.base}/stuff`, { bearer: token, json: { stuff: 'tiger', price: 9 } }))
				.status
		).toBe(201)
		expect(
			(await http('PATCH', `${b.base}/stuff/tiger`, { basic: ADMIN, json: { price: 1 } })).status
		).toBe(403)
		expect(
			(await http('PATCH', `${b.base}/stuff/tiger`, { bearer: token, json: { price: 10 } })).status
		).toBe(200)
		expect((await http('GET', `${a.base}/stuff`, { bearer: token })).json).toEqual([['tiger', 10]])
	})

	shared('a brute-force lockout triggered on A applies on B', async () => {
		const user = { login: 'susie', password: 'Derkins-1', email: 'susie@acme.org' }
		expect((await http('POST', `${a.base}/user`, { basic: ADMIN, json: user })).status).toBe(201)
		for (let attempt = 0; attempt < 3; attempt++)
			expect((await http('GET', `${a.base}/hello-me`, { basic: 'susie:wrong' })).status).toBe(401)
		const locked = await http('GET', `${b.base}/hello-me`, { basic: 'susie:Derkins-1' })
		expect(locked.status).toBe(429)
		expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
	})

	shared('a password changed next to A is effective on B at the next request', async () => {
		// warm B's caches with the old password first
		expect((await http('GET', `${b.base}/hello-me`, { basic: 'calvin:Hobbes-1' })).status).toBe(200)
		expect(await cli(['user', 'passwd', 'calvin'], 'Hobbes-2\n')).toBe(0)
		expect((await http('GET', `${b.base}/hello-me`, { basic: 'calvin:Hobbes-1' })).status).toBe(401)
		expect((await http('GET', `${a.base}/hello-me`, { basic: 'calvin:Hobbes-2' })).status).toBe(200)
	})

	shared('a token revoked on A (logout) is refused by B', async () => {
		const { token } = (await http('GET', `${b.base}/token`, { basic: 'calvin:Hobbes-2' })).json
		expect((await http('GET', `${b.base}/hello-me`, { bearer: token })).status).toBe(200)
		expect((await http('DELETE', `${a.base}/token`, { bearer: token })).status).toBe(204)
		expect(await http('GET', `${b.base}/hello-me`, { bearer: token })).toMatchObject({
			status: 401,
			text: 'revoked auth token'
		})
	})

	shared(
		'a change on one instance or by the command line is seen by the other within the bound',
		async () => {
			const user = { login: 'moe', password: 'Bully-1', email: 'moe@acme.org' }
			expect((await http('POST', `${a.base}/user`, { basic: ADMIN, json: user })).status).toBe(201)
			const basic = 'moe:Bully-1'
			const seen: Record<string, number> = {}
			// both instances hold moe's token, credentials and groups in memory
			const { token } = (await http('GET', `${b.base}/token`, { basic })).json
			const other = { login: 'moe2', password: 'Bully-2', email: 'moe2@acme.org' }
			for (const server of [a, b, b]) {
				expect((await http('GET', `${server.base}/hello-me`, { bearer: token })).status).toBe(200)
				expect((await http('GET', `${server.base}/hello-me`, { basic })).status).toBe(200)
				expect((await http('POST', `${server.base}/user`, { basic, json: other })).status).toBe(403)
			}
			// a group change by the command line holds at the next request on both
			expect(await cli(['user', 'admin', 'moe', 'on'])).toBe(0)
			expect((await http('POST', `${b.base}/user`, { basic, json: other })).status).toBe(201)
			// the new version ended moe's token: a fresh one, a second later (fsa tokens are per second)
			await Bun.sleep(1100)
			const fresh = (await http('GET', `${a.base}/token`, { basic })).json.token
			expect((await http('GET', `${b.base}/hello-me`, { bearer: fresh })).status).toBe(200)
			expect((await http('GET', `${b.base}/hello-me`, { bearer: fresh })).status).toBe(200)
			expect((await http('DELETE', `${a.base}/token`, { bearer: fresh })).status).toBe(204)
			seen.logout = await seenWithinBound(
				async () => (await http('GET', `${b.base}/hello-me`, { bearer: fresh })).status === 401
			)
			// a lockout on A: B knows moe's credentials, yet refuses them
			for (let attempt = 0; attempt < 3; attempt++)
				expect((await http('GET', `${a.base}/hello-me`, { basic: 'moe:wrong' })).status).toBe(401)
			seen.lockout = await seenWithinBound(
				async () => (await http('GET', `${b.base}/hello-me`, { basic })).status === 429
			)
			// a deletion by the command line holds at the next request
			const last = (await http('GET', `${b.base}/token`, { basic: 'moe2:Bully-2' })).json.token
			expect((await http('GET', `${a.base}/hello-me`, { bearer: last })).status).toBe(200)
			expect((await http('GET', `${a.base}/hello-me`, { bearer: last })).status).toBe(200)
			expect(await cli(['user', 'delete', 'moe2'])).toBe(0)
			expect((await http('GET', `${a.base}/hello-me`, { bearer: last })).status).toBe(401)
			expect((await http('GET', `${b.base}/hello-me`, { basic: 'moe2:Bully-2' })).status).toBe(401)
			console.log(
				`changes seen by the other instance after (ms): ${Object.entries(seen)
					.map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
					.join(', ')}`
			)
		}
	)

	shared(
		'a second factor holds across instances: replay guard in the database, throttle in Redis',
		async () => {
			const user = { login: 'rosalyn', password: 'Sitter-1', email: 'rosalyn@acme.org' }
			expect((await http('POST', `${a.base}/user`, { basic: ADMIN, json: user })).status).toBe(201)
			const enrolled = await binary.exec([
				'user',
				'otp',
				'rosalyn',
				'--config',
				binary.file(config),
				'--db',
				postgres!.url
			])
			expect(enrolled.code).toBe(0)
			const lines = enrolled.stdout.trimEnd().split('\n')
			const secret = new URL(lines[0]).searchParams.get('secret')!
			const backup = lines.slice(-10)
			// stage one on A, stage two on B
			const first = (await http('GET', `${a.base}/token`, { basic: 'rosalyn:Sitter-1' })).json
			expect(Object.keys(first)).toEqual(['mfa_token'])
			const code = totp(secret)!
			const second = await http('POST', `${b.base}/token/otp`, {
				bearer: first.mfa_token,
				form: { otp: code }
			})
			expect(second.status).toBe(201)
			expect((await http('GET', `${a.base}/hello-me`, { bearer: second.json.token })).status).toBe(200)
			// the code used on B is refused on A; so is a backup code used on A, on B
			const again = (await http('GET', `${b.base}/token`, { basic: 'rosalyn:Sitter-1' })).json.mfa_token
			expect(
				(await http('POST', `${a.base}/token/otp`, { bearer: again, form: { otp: code } })).status
			).toBe(401)
			expect(
				(await http('POST', `${a.base}/token/otp`, { bearer: again, form: { otp: backup[0] } }))
					.status
			).toBe(201)
			expect(
				(await http('POST', `${b.base}/token/otp`, { bearer: again, form: { otp: backup[0] } }))
					.status
			).toBe(401)
			expect((await http('GET', `${b.base}/hello-me`, { basic: 'rosalyn:Sitter-1' })).status).toBe(401)
			// failed codes on A lock the second stage out on B
			for (let attempt = 0; attempt < 3; attempt++)
				expect(
					(await http('POST', `${a.base}/token/otp`, { bearer: again, form: { otp: '000000' } }))
						.status
				).toBe(401)
			const locked = await http('POST', `${b.base}/token/otp`, {
				bearer: again,
				form: { otp: backup[1] }
			})
			expect(locked.status).toBe(429)
		}
	)

	const nginxTitle = 'nginx with docs/nginx.conf spreads requests over both instances'
	test.skipIf(!nginx)(
		needing(nginxTitle, ready ? 'nginx' : 'postgresql or redis-server', nginx),
		async () => {
			const port = a.port + 1000 > 65000 ? a.port - 1000 : a.port + 1000
			const sample = await Bun.file(join(import.meta.dir, '..', '..', 'docs', 'nginx.conf')).text()
			const conf = sample
				.replace('127.0.0.1:5001', `127.0.0.1:${a.port}`)
				.replace('127.0.0.1:5002', `127.0.0.1:${b.port}`)
				.replace('127.0.0.1:8080', `127.0.0.1:${port}`)
			const base = `http://127.0.0.1:${port}`
			const proxy = await startNginx(nginx!, conf, `${base}/hello`)
			try {
				const ids = new Set<string>()
				for (let index = 0; index < 8; index++) {
					const response = await http('GET', `${base}/hello-me`, { basic: 'calvin:Hobbes-2' })
					expect(response.status).toBe(200)
					ids.add(response.headers.get('x-request-id') ?? '')
				}
				// nginx's $request_id reached the instances and came back, one per request
				expect(ids.size).toBe(8)
				// an fsa token made in the second of the logout above would be that revoked token
				await Bun.sleep(1100)
				const { token } = (await http('GET', `${base}/token`, { basic: 'calvin:Hobbes-2' })).json
				for (let index = 0; index < 4; index++)
					expect((await http('GET', `${base}/hello-me`, { bearer: token })).status).toBe(200)
			} finally {
				await proxy.stop()
			}
		}
	)

	shared('data survives restarting both instances', async () => {
		const stopped = await Promise.all([a.stop(), b.stop()])
		for (const { code } of stopped) expect(code).toBe(0)
		// each instance answered some of the requests that went through nginx (nginx's 32-hex ids)
		for (const { stdout } of stopped) {
			const records = stdout
				.split('\n')
				.filter((line) => line.startsWith('{'))
				.map((line) => JSON.parse(line) as { reqid: string; path: string; status: number })
			expect(
				records.some((record) => /^[0-9a-f]{32}$/.test(record.reqid) && record.status === 200)
			).toBe(true)
		}
		;[a, b] = await Promise.all([
			binary.start({ config, db: postgres!.url }),
			binary.start({ config, db: postgres!.url })
		])
		expect((await http('GET', `${b.base}/stuff`, { basic: 'calvin:Hobbes-2' })).json).toEqual([
			['tiger', 10]
		])
		expect((await http('GET', `${a.base}/hello-me`, { basic: ADMIN })).status).toBe(200)
	})
})
