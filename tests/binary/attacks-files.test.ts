/**
 * Promises of the compiled binary: secrets at rest are private, whatever the umask (the SQLite
 * database and its -wal and -shm files hold the token secret when FSA_TOKEN_SECRET is not
 * set), and an account deleted with the command line leaves nothing behind for a login
 * re-created through the API.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { chmodSync, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Binary, http, toml, type Server } from '../support/binary'

const ADMIN = 'Adm1n-Secret'
const CONFIG = toml({
	FSA_AUTH: ['token', 'basic', 'param', 'none'],
	FSA_REALM: 'acme',
	FSA_PASSWORD_OPTS: { memory_cost: 64, time_cost: 1 }
})

const built = new Binary('acme-files-')
/** The same binary, run by a shell whose umask lets everyone read new files. */
let permissive: Binary
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8)

beforeAll(() => {
	built.build()
	const wrapper = built.file(`#!/bin/sh\numask 022\nexec '${built.path}' "$@"\n`, 'acme-umask-022')
	chmodSync(wrapper, 0o755)
	permissive = new Binary('acme-files-umask-', wrapper)
}, 120_000)
afterAll(async () => {
	await permissive?.cleanup()
	await built.cleanup()
})

describe('the database is private whatever the umask', () => {
	test('a new database and its -wal and -shm files are 0600, with the token secret inside', async () => {
		const db = join(permissive.dir, 'fresh.db')
		const server = await permissive.start({ config: CONFIG, db, pass: ADMIN })
		try {
			const token = await http('GET', `${server.base}/token`, { basic: `acme:${ADMIN}` })
			expect(token.status).toBe(200)
			for (const file of [db, `${db}-wal`, `${db}-shm`])
				expect([file, modeOf(file)]).toEqual([file, '600'])
			const reader = new Database(db, { readonly: true })
			const secret = reader.query("SELECT value FROM settings WHERE key = 'token_secret'").get()
			reader.close()
			expect(secret).toBeTruthy()
		} finally {
			await server.stop()
		}
		expect(modeOf(db)).toBe('600')
	}, 30_000)

	test('an existing database others can read is tightened to 0600, said in one line', async () => {
		const db = join(permissive.dir, 'open.db')
		let server = await permissive.start({ config: CONFIG, db, pass: ADMIN })
		await server.stop()
		chmodSync(db, 0o644)
		server = await permissive.start({ config: CONFIG, db })
		try {
			expect(modeOf(db)).toBe('600')
			for (const file of [`${db}-wal`, `${db}-shm`])
				if (existsSync(file)) expect(modeOf(file)).toBe('600')
			const said = server
				.stderr()
				.split('\n')
				.filter((line) => line.includes('made private'))
			expect(said).toHaveLength(1)
			expect(said[0]).toContain(`${db} (was 0644)`)
			expect((await http('GET', `${server.base}/hello-me`, { basic: `acme:${ADMIN}` })).status).toBe(
				200
			)
		} finally {
			await server.stop()
		}
		// already private: nothing to say
		server = await permissive.start({ config: CONFIG, db })
		await server.stop()
		expect(server.stderr()).not.toContain('made private')
	}, 30_000)

	test('the command line creates its database 0600 too', async () => {
		const db = join(permissive.dir, 'cli.db')
		const exit = await permissive.exec(['user', 'add', 'calvin', '--email', 'c@acme.org', '--db', db], {
			stdin: 'Calv1n-Pass\n'
		})
		expect(exit.code).toBe(0)
		expect(modeOf(db)).toBe('600')
	}, 30_000)
})

describe('a login deleted with the command line and re-created through the API', () => {
	let server: Server
	const db = join(built.dir, 'accounts.db')
	const send = (method: string, path: string, options: Parameters<typeof http>[2] = {}) =>
		http(method, `${server.base}${path}`, options)

	beforeAll(async () => {
		server = await built.start({ config: CONFIG, db, pass: ADMIN })
	}, 30_000)
	afterAll(() => server?.stop())

	test('starts with no rights, no objects and no valid token', async () => {
		const cli = (args: string[], stdin?: string) =>
			built.exec([...args, '--config', built.file(CONFIG), '--db', db], { stdin })
		expect(
			(await cli(['user', 'add', 'boss', '--email', 'b@acme.org', '--admin'], 'Old-B0ss-Pass\n')).code
		).toBe(0)
		const old = { basic: 'boss:Old-B0ss-Pass' }
		const token: string = (await send('GET', '/token', old)).json.token
		const probe = (auth: { basic?: string; bearer?: string }, login: string) =>
			send('POST', '/user', { ...auth, json: { login, password: 'Pr0be-Pass', email: 'p@acme.org' } })
		expect((await send('POST', '/stuff', { ...old, json: { stuff: 'crown', price: 1 } })).status).toBe(
			201
		)
		expect((await probe(old, 'probeone')).status).toBe(201)
		expect((await probe({ bearer: token }, 'probetwo')).status).toBe(201)
		expect((await send('PATCH', '/stuff/crown', { bearer: token, json: { price: 2 } })).status).toBe(200)

		expect((await cli(['user', 'delete', 'boss'])).code).toBe(0)
		const recreated = await send('POST', '/user', {
			basic: `acme:${ADMIN}`,
			json: { login: 'boss', password: 'New-B0ss-Pass', email: 'b@acme.org' }
		})
		expect(recreated.status).toBe(201)

		expect((await send('GET', '/hello-me', old)).status).toBe(401)
		expect((await send('GET', '/hello-me', { bearer: token })).status).toBe(401)
		expect((await probe({ bearer: token }, 'probethree')).status).toBe(401)
		const fresh = { basic: 'boss:New-B0ss-Pass' }
		expect((await send('GET', '/hello-me', fresh)).json).toEqual({ msg: 'hello', user: 'boss' })
		expect((await probe(fresh, 'probefour')).status).toBe(403)
		expect((await send('PATCH', '/stuff/crown', { ...fresh, json: { price: 3 } })).status).toBe(404)
		expect((await send('GET', '/stuff', fresh)).json).toEqual([])
	}, 30_000)
})
