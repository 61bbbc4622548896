/**
 * Durability and clean stops of the compiled binary on a file database: every write it
 * acknowledged survives a `kill -9` in the middle of a load, the database stays intact, and
 * SIGTERM lets requests under way finish before the process exits 0. Bounded: ~2 s of load.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { Binary, type Server } from '../support/binary'
import { basicHeader } from '../support/helpers'
import { Recorder } from '../support/security'

const ADMIN_PASS = 'Dur4ble-Adm1n!'
const BASE = `
FSA_AUTH = ["token", "basic", "param", "none"]
FSA_MODE = "prod"
FSA_REALM = "acme"
`
const FAST = `${BASE}FSA_PASSWORD_OPTS = { memory_cost = 64, time_cost = 1 }\n`
// the default argon2 costs (64 MiB, 2 passes) and no credentials cache: every request hashes
const SLOW = `${BASE}FSA_PASSWORD_CACHE = false\n`
const CLIENTS = 8
const LOAD_MS = 2000

const binary = new Binary('acme-security-')
const client = new Recorder()
const admin = basicHeader('acme', ADMIN_PASS)

beforeAll(() => {
	binary.build()
})
afterAll(() => binary.cleanup())

async function stuffOf(server: Server): Promise<Map<string, number>> {
	const answer = await client.send('GET', `${server.base}/stuff`, { headers: { authorization: admin } })
	expect(answer.status).toBe(200)
	return new Map(answer.json as [string, number][])
}

describe('kill -9 under load', () => {
	test('every acknowledged write survives, and the database is intact', async () => {
		const db = join(binary.dir, 'load.db')
		const server = await binary.start({ config: FAST, db, pass: ADMIN_PASS })
		const acknowledged = new Map<string, number>()
		let killed = false
		let sent = 0
		const deadline = Date.now() + LOAD_MS + 3000 // the loops end when the process dies, or then
		const writer = async (id: number) => {
			for (let n = 0; Date.now() < deadline; n++) {
				const stuff = `load-${id}-${n}`
				sent++
				try {
					const res = await fetch(`${server.base}/stuff`, {
						method: 'POST',
						headers: { authorization: admin, 'content-type': 'application/json' },
						body: JSON.stringify({ stuff, price: n }),
						signal: AbortSignal.timeout(5000)
					})
					if (res.status !== 201) throw new Error(`unexpected ${res.status}: ${await res.text()}`)
					acknowledged.set(stuff, n)
				} catch (error) {
					if (killed) return // connection refused or reset: the process is gone
					throw error
				}
			}
		}
		const writers = Array.from({ length: CLIENTS }, (_, id) => writer(id))
		await Bun.sleep(LOAD_MS)
		const before = acknowledged.size
		killed = true
		expect((await server.stop('SIGKILL')).code).not.toBe(0)
		await Promise.all(writers)
		// requests were under way when the process died, and many were acknowledged
		expect(before).toBeGreaterThan(100)
		expect(sent).toBeGreaterThan(acknowledged.size)

		// the file as the crash left it (WAL included), opened read-only
		const file = new Database(db, { readonly: true })
		try {
			expect(file.query<{ integrity_check: string }, []>('PRAGMA integrity_check').all()).toEqual([
				{ integrity_check: 'ok' }
			])
			const rows = file
				.query<{ name: string; price: number }, []>('SELECT name, price FROM stuff')
				.all()
			const stored = new Map(rows.map((row) => [row.name, row.price]))
			for (const [stuff, price] of acknowledged)
				expect([stuff, stored.get(stuff)]).toEqual([stuff, price])
		} finally {
			file.close()
		}

		const again = await binary.start({ config: FAST, db, pass: ADMIN_PASS })
		const listed = await stuffOf(again)
		const lost = [...acknowledged].filter(([stuff, price]) => listed.get(stuff) !== price)
		expect(lost).toEqual([])
		expect((await again.stop()).code).toBe(0)
	}, 30_000)
})

describe('SIGTERM', () => {
	test('requests under way finish (200, 201) and are kept; the process exits 0', async () => {
		const db = join(binary.dir, 'term.db')
		const server = await binary.start({ config: SLOW, db, pass: ADMIN_PASS })
		const started = performance.now()
		const post = (index: number) =>
			client
				.send('POST', `${server.base}/stuff`, {
					headers: { authorization: admin },
					json: { stuff: `slow-${index}`, price: index }
				})
				.then((answer) => ({ status: answer.status, at: performance.now() - started }))
		const get = () =>
			client
				.send('GET', `${server.base}/hello-me`, { headers: { authorization: admin } })
				.then((answer) => ({ status: answer.status, at: performance.now() - started }))
		const inFlight = [...Array.from({ length: 4 }, (_, index) => post(index)), get(), get(), get(), get()]
		// every request reaches the server (each then spends a slow argon2 check) before the signal
		await Bun.sleep(150)
		const signalled = performance.now() - started
		const exited = server.stop('SIGTERM')
		const done = await Promise.all(inFlight)
		expect(done.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 200, 200, 200, 200])
		// the test means something only if some answers came after the signal
		expect(Math.max(...done.map((answer) => answer.at))).toBeGreaterThan(signalled)
		expect((await exited).code).toBe(0)
		expect(server.stdout()).toContain('SIGTERM received')

		const again = await binary.start({ config: SLOW, db, pass: ADMIN_PASS })
		const listed = await stuffOf(again)
		for (let index = 0; index < 4; index++) expect(listed.get(`slow-${index}`)).toBe(index)
		expect((await again.stop()).code).toBe(0)
	}, 30_000)
})
