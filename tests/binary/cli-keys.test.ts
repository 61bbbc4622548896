/**
 * `acme key create|list|revoke` on the compiled binary, on the database of a running service
 * that must see every change at once: the key alone on the first line, a listing without
 * keys, revocation and user deletion refused at once, and bad usage told in one line.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { Binary, http, toml, type Server } from '../support/binary'

const ADMIN = 'Adm1n-Secret'
const CONFIG = toml({
	FSA_AUTH: ['token', 'basic', 'param', 'apikey', 'none'],
	FSA_REALM: 'acme',
	FSA_PASSWORD_OPTS: { memory_cost: 64, time_cost: 1 },
	FSA_TOKEN_SECRET: 'cli-keys-test-secret-0123456789'
})

const binary = new Binary('acme-keys-')
let configPath = ''
let db = ''
let server: Server

beforeAll(async () => {
	binary.build()
	configPath = binary.file(CONFIG)
	db = join(binary.dir, 'keys.db')
	server = await binary.start({ config: CONFIG, db, pass: ADMIN })
}, 120_000)
afterAll(async () => {
	await server?.stop()
	await binary.cleanup()
})

const acme = (args: string[], stdin?: string) =>
	binary.exec([...args, '--config', configPath, '--db', db], { stdin })
const hello = (key: string) => http('GET', `${server.base}/hello-me`, { headers: { 'X-API-Key': key } })

describe('acme key', () => {
	test('create prints the key alone on the first line; the running service takes it at once', async () => {
		expect((await acme(['user', 'add', 'calvin', '--email', 'c@acme.org'], 'Hobbes1\n')).code).toBe(0)
		const made = await acme(['key', 'create', 'calvin', '--days', '7', '--rate', '100'])
		expect(made.code).toBe(0)
		const [key, second] = made.stdout.split('\n')
		expect(key).toMatch(/^acme_[0-9a-f]{16}_[0-9a-f]{64}$/)
		expect(second).toContain('shown only once')
		const response = await hello(key)
		expect(response.status).toBe(200)
		expect(response.json).toEqual({ msg: 'hello', user: 'calvin' })
	})

	test('list prints id, login, scopes, creation, expiry and last use, never a key or a hash', async () => {
		const made = await acme(['key', 'create', 'acme', '--scope', 'admin'])
		const key = made.stdout.split('\n')[0]
		const id = key.split('_')[1]
		await hello(key)
		const listed = await acme(['key', 'list', 'acme'])
		expect(listed.code).toBe(0)
		const fields = listed.stdout.trimEnd().split('\t')
		expect(fields.length).toBe(6)
		expect(fields.slice(0, 3)).toEqual([id, 'acme', 'admin'])
		expect(fields[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
		expect(fields[4]).toBe('-')
		// the service records the last use without a write per request
		expect(fields[5]).toMatch(/^\d{4}-/)
		const all = await acme(['key', 'list'])
		expect(all.stdout.trimEnd().split('\n').length).toBe(2)
		expect(all.stdout).not.toContain(key.split('_')[2])
	})

	test('revoke and user delete end keys at once on the running service', async () => {
		const key = (await acme(['key', 'create', 'calvin'])).stdout.split('\n')[0]
		expect((await hello(key)).status).toBe(200)
		const revoked = await acme(['key', 'revoke', key.split('_')[1]])
		expect(revoked).toMatchObject({ code: 0, stdout: `key revoked: ${key.split('_')[1]}\n` })
		expect((await hello(key)).status).toBe(401)
		const other = (await acme(['key', 'create', 'calvin'])).stdout.split('\n')[0]
		expect((await hello(other)).status).toBe(200)
		expect((await acme(['user', 'delete', 'calvin'])).code).toBe(0)
		expect((await hello(other)).status).toBe(401)
		expect((await acme(['key', 'list', 'acme'])).stdout.trimEnd().split('\n').length).toBe(1)
	})

	test('every failure is one line and an exit code; nothing is created', async () => {
		const before = (await acme(['key', 'list'])).stdout
		for (const [args, code, message] of [
			[['key'], 2, 'key needs a command'],
			[['key', 'burn'], 2, 'unknown key command: burn'],
			[['key', 'create'], 2, 'key create needs LOGIN'],
			[['key', 'create', 'acme', 'extra'], 2, 'unexpected argument: extra'],
			[['key', 'create', 'acme', '--days', '0'], 2, '--days must be a whole number of days'],
			[['key', 'create', 'acme', '--rate', 'lots'], 2, '--rate must be a whole number'],
			[['key', 'list', '--rate', '3'], 2, 'options of key create only'],
			[['key', 'create', 'nobody'], 1, 'no such user: nobody'],
			[['key', 'create', 'acme', '--scope', 'root'], 1, 'unknown scope: root'],
			[['key', 'list', 'nobody'], 1, 'no such user: nobody'],
			[['key', 'revoke', 'ffffffffffffffff'], 1, 'no such API key'],
			[['key', 'revoke', 'nonsense'], 1, 'no such API key']
		] as const) {
			const result = await acme([...args])
			expect([args, result.code]).toEqual([args, code])
			expect(result.stderr.split('\n')[0]).toContain(message)
			expect(result.stderr).not.toContain('    at ')
			expect(result.stdout).toBe('')
		}
		expect((await acme(['user', 'add', 'susie', '--email', 's@acme.org'], 'Derkins1\n')).code).toBe(0)
		const notAdmin = await acme(['key', 'create', 'susie', '--scope', 'admin'])
		expect(notAdmin.code).toBe(1)
		expect(notAdmin.stderr).toBe('acme: a key cannot hold a group its user is not in: admin\n')
		expect((await acme(['key', 'list'])).stdout).toBe(before)
	})
})
