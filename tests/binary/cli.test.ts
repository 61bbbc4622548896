/**
 * The command line: user management, tokens and configuration checks, run as a separate
 * process on the database of a service that keeps running and must see the changes at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAcme } from '../../src/acme'
import { checkRoutes } from '../../src/auth'
import { call } from '../support/helpers'
import { Database } from 'bun:sqlite'

const MAIN = join(import.meta.dir, '..', '..', 'src', 'main.ts')
let dir: string
let configPath: string

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'acme-cli-'))
	configPath = join(dir, 'acme.toml')
	writeFileSync(
		configPath,
		[
			'FSA_AUTH = ["token", "basic", "param", "none"]',
			'FSA_PASSWORD_OPTS = { memory_cost = 64, time_cost = 1 }',
			'FSA_PASSWORD_LENGTH = 5',
			'FSA_TOKEN_SECRET = "cli-test-secret-0123456789abcdef"',
			''
		].join('\n')
	)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Run `acme ARGS` with the test configuration and database, `input` on stdin. */
function acme(db: string, args: string[], input = '') {
	const result = Bun.spawnSync([process.execPath, MAIN, ...args, '--config', configPath, '--db', db], {
		stdin: new TextEncoder().encode(input),
		env: { ...process.env, ACME_CONFIG: '', ACME_DB: '' }
	})
	return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString() }
}

describe('acme user and token commands', () => {
	const db = () => join(dir, 'users.db')

	it('adds, lists, promotes and deletes users, never printing a hash', () => {
		expect(
			acme(db(), ['user', 'add', 'calvin', '--email', 'calvin@acme.org'], 'Hobbes1\n')
		).toMatchObject({
			code: 0,
			out: 'user added: calvin\n'
		})
		expect(
			acme(db(), ['user', 'add', 'susie', '--email', 'susie@acme.org', '--admin'], 'Derkins1\n').code
		).toBe(0)
		const list = acme(db(), ['user', 'list'])
		expect(list.code).toBe(0)
		expect(list.out).toBe('calvin\tcalvin@acme.org\t-\t-\nsusie\tsusie@acme.org\tadmin\t-\n')
		expect(list.out).not.toContain('$argon2')
		expect(acme(db(), ['user', 'admin', 'calvin', 'on']).code).toBe(0)
		expect(acme(db(), ['user', 'list']).out).toContain('calvin\tcalvin@acme.org\tadmin')
		expect(acme(db(), ['user', 'delete', 'susie'])).toMatchObject({
			code: 0,
			out: 'user deleted: susie\n'
		})
		expect(acme(db(), ['user', 'list']).out).not.toContain('susie')
	})

	it('fails with one line and a non-zero code', () => {
		const duplicate = acme(db(), ['user', 'add', 'calvin', '--email', 'c@acme.org'], 'Hobbes1\n')
		expect(duplicate).toMatchObject({ code: 1, err: 'acme: cannot overwrite existing user: calvin\n' })
		const weak = acme(db(), ['user', 'add', 'moe', '--email', 'moe@acme.org'], 'abc\n')
		expect(weak).toMatchObject({ code: 1, err: 'acme: password is too short, must be at least 5\n' })
		expect(acme(db(), ['user', 'add', 'Moe', '--email', 'moe@acme.org'], 'Hobbes1\n').err).toBe(
			'acme: invalid login name: Moe\n'
		)
		expect(acme(db(), ['user', 'add', 'moe', '--email', 'moe@acme.org']).err).toBe(
			'acme: no password on stdin\n'
		)
		expect(acme(db(), ['user', 'add', 'moe'], 'Hobbes1\n').code).toBe(2)
		expect(acme(db(), ['user', 'delete', 'nobody'])).toMatchObject({
			code: 1,
			err: 'acme: no such user: nobody\n'
		})
		expect(acme(db(), ['user', 'admin', 'calvin', 'maybe']).code).toBe(2)
		expect(acme(db(), ['user', 'frobnicate']).code).toBe(2)
		expect(acme(db(), ['user', 'list']).out).not.toContain('moe')
	})

	it('creates tokens that the service accepts, for existing users only', async () => {
		const token = acme(db(), ['token', 'create', 'calvin', '--delay', '5'])
		expect(token.code).toBe(0)
		expect(token.out).toMatch(/^acme:calvin:\d{14}:[0-9a-f]{32}\n$/)
		const { app, store } = await createAcme({
			config: Bun.TOML.parse(await Bun.file(configPath).text()) as Record<string, unknown>,
			db: db()
		})
		try {
			expect((await call(app, 'GET', '/hello-me', { bearer: token.out.trim() })).json).toEqual({
				msg: 'hello',
				user: 'calvin'
			})
		} finally {
			await store.close()
		}
		expect(acme(db(), ['token', 'create', 'nobody'])).toMatchObject({
			code: 1,
			err: 'acme: no such user: nobody\n'
		})
		expect(acme(db(), ['token', 'create', 'calvin', '--delay', 'soon']).code).toBe(2)
	})
})

describe('a running service sees command line changes at once', () => {
	it('refuses a changed or deleted password and a revoked admin on the next request', async () => {
		const db = join(dir, 'live.db')
		const config = Bun.TOML.parse(await Bun.file(configPath).text()) as Record<string, unknown>
		const { app, store } = await createAcme({ config, db, adminPassword: 'Adm1n!' })
		checkRoutes(app)
		try {
			expect(
				acme(db, ['user', 'add', 'calvin', '--email', 'c@acme.org', '--admin'], 'Hobbes1\n').code
			).toBe(0)
			const calvin: [string, string] = ['calvin', 'Hobbes1']
			// warm every cache: the password lookup, the verified credentials, the admin group
			expect((await call(app, 'GET', '/hello-me', { basic: calvin })).status).toBe(200)
			const user = { login: 'hobbes', password: 'Tiger1', email: 'h@acme.org' }
			expect((await call(app, 'POST', '/user', { basic: calvin, json: user })).status).toBe(201)

			expect(acme(db, ['user', 'admin', 'calvin', 'off']).code).toBe(0)
			const again = { ...user, login: 'susie' }
			expect((await call(app, 'POST', '/user', { basic: calvin, json: again })).status).toBe(403)

			expect(acme(db, ['user', 'passwd', 'calvin'], 'Tiger22\n').code).toBe(0)
			expect((await call(app, 'GET', '/hello-me', { basic: calvin })).status).toBe(401)
			expect((await call(app, 'GET', '/hello-me', { basic: ['calvin', 'Tiger22'] })).status).toBe(200)

			expect(acme(db, ['user', 'delete', 'calvin']).code).toBe(0)
			expect((await call(app, 'GET', '/hello-me', { basic: ['calvin', 'Tiger22'] })).status).toBe(401)
		} finally {
			await store.close()
		}
	})
})

describe('acme config check and help', () => {
	it('accepts a good configuration and names the bad key of a bad one', () => {
		expect(acme(':memory:', ['config', 'check'])).toMatchObject({
			code: 0,
			out: `configuration ok: ${configPath}\n`
		})
		const bad = join(dir, 'bad.toml')
		writeFileSync(bad, 'FSA_AUTH = "basic"\nFSA_TOKEN_DELAI = 3\n')
		const result = acme(':memory:', ['config', 'check', bad])
		expect(result.code).toBe(1)
		expect(result.err).toBe('acme: configuration error: unexpected FSA_* directive: FSA_TOKEN_DELAI\n')
		const wrongType = join(dir, 'type.toml')
		writeFileSync(wrongType, 'FSA_AUTH = "basic"\nFSA_PASSWORD_LENGTH = "five"\n')
		expect(acme(':memory:', ['config', 'check', wrongType]).err).toStartWith(
			'acme: configuration error: FSA_PASSWORD_LENGTH'
		)
	})

	it('prints help for every command, and the version', () => {
		for (const command of ['user', 'token', 'config', 'serve']) {
			const help = acme(':memory:', [command, '--help'])
			expect(help.code).toBe(0)
			expect(help.out).toStartWith(`usage: acme ${command === 'serve' ? '[serve]' : command}`)
		}
		expect(acme(':memory:', ['--version']).out).toMatch(/^\d+\.\d+\.\d+\n$/)
		expect(acme(':memory:', ['nonsense']).code).toBe(2)
	})
})

describe('acme user commands with FSA_CACHE = "redis"', () => {
	it('change nothing, in one line, when Redis does not answer: running instances must hear of it', async () => {
		const db = join(dir, 'redis-down.db')
		expect(acme(db, ['user', 'add', 'calvin', '--email', 'calvin@acme.org'], 'Hobbes1\n').code).toBe(0)
		const port = await unusedPort()
		const redisConfig = join(dir, 'redis-down.toml')
		writeFileSync(
			redisConfig,
			`${await Bun.file(configPath).text()}FSA_CACHE = "redis"\nFSA_CACHE_OPTS = { url = "redis://127.0.0.1:${port}" }\n`
		)
		const stored = () => {
			const sqlite = new Database(db, { readonly: true })
			try {
				return sqlite.query('SELECT password, version, is_admin FROM users').all()
			} finally {
				sqlite.close()
			}
		}
		const before = stored()
		for (const [args, input] of [
			[['user', 'passwd', 'calvin'], 'Hobbes2\n'],
			[['user', 'admin', 'calvin', 'on'], ''],
			[['user', 'delete', 'calvin'], ''],
			[['user', 'add', 'susie', '--email', 's@acme.org'], 'Derkins1\n']
		] as const) {
			const result = Bun.spawnSync(
				[process.execPath, MAIN, ...args, '--config', redisConfig, '--db', db],
				{
					stdin: new TextEncoder().encode(input),
					env: { ...process.env, ACME_CONFIG: '', ACME_DB: '' }
				}
			)
			expect(result.exitCode).toBe(1)
			expect(result.stderr.toString()).toBe(
				`acme: Redis at 127.0.0.1:${port} does not answer: nothing was changed (running instances must hear of every change)\n`
			)
		}
		expect(stored()).toEqual(before)
	})
})

/** A loopback port nothing listens on. */
async function unusedPort(): Promise<number> {
	const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
	const port = server.port!
	await server.stop(true)
	return port
}
