/**
 * Acme's API keys over HTTP: a user makes keys with a password or a token (never with a key),
 * lists them without the keys, revokes their own and no one else's; a key authenticates as
 * its user with only the groups it holds, expires, is rate-limited with 429, dies with its
 * user, and its last use is recorded.
 */
import { afterEach, beforeEach, describe, expect, it, setSystemTime } from 'bun:test'
import { DEFAULT_CONFIG, createAcme } from '../../src/acme'
import { checkRoutes } from '../../src/auth'
import { FAST_PASSWORDS, call } from '../support/helpers'

const config = { ...DEFAULT_CONFIG, ...FAST_PASSWORDS, FSA_TOKEN_SECRET: 'api-key-test-secret' }
const ADMIN = 'Adm1n!'
const PASSWORD = 'Hobbes1'

type Acme = Awaited<ReturnType<typeof createAcme>>
let acme: Acme

beforeEach(async () => {
	acme = await createAcme({ config, adminPassword: ADMIN })
	checkRoutes(acme.app)
	await acme.store.addUser('calvin', await acme.auth.hashPassword(PASSWORD), 'c@acme.org', false)
})
afterEach(async () => {
	setSystemTime()
	await acme.store.close()
})

const calvin = { basic: ['calvin', PASSWORD] as [string, string] }
const admin = { basic: ['acme', ADMIN] as [string, string] }
const withKey = (key: string) => ({ headers: { 'X-API-Key': key } })

async function makeKey(
	who: { basic: [string, string] },
	form: Record<string, string | string[]> = {}
): Promise<{ id: string; key: string }> {
	const response = await call(acme.app, 'POST', '/key', { ...who, form })
	expect(response.status).toBe(201)
	return response.json as { id: string; key: string }
}

describe('POST /key', () => {
	it('answers 201 with the id and the key, which authenticates as its user', async () => {
		const { id, key } = await makeKey(calvin)
		expect(key).toMatch(new RegExp(`^acme_${id}_[0-9a-f]{64}$`))
		const response = await call(acme.app, 'GET', '/hello-me', withKey(key))
		expect(response.status).toBe(200)
		expect(response.json).toEqual({ msg: 'hello', user: 'calvin' })
		// the key is stored as a hash only
		const rows = acme.store.driver.allNow!<Record<string, unknown>>('SELECT * FROM api_keys')
		expect(JSON.stringify(rows)).not.toContain(key.split('_')[2])
	})

	it('takes a token too, but never another key', async () => {
		const token = (await call(acme.app, 'GET', '/token', calvin)).json as { token: string }
		expect((await call(acme.app, 'POST', '/key', { bearer: token.token })).status).toBe(201)
		const { key } = await makeKey(calvin)
		const refused = await call(acme.app, 'POST', '/key', withKey(key))
		expect(refused.status).toBe(401)
		expect(acme.store.driver.allNow!('SELECT id FROM api_keys').length).toBe(2)
	})

	it('refuses bad scopes, lifetimes and rates with a 400, and a group the user lacks with a 403; nothing is stored', async () => {
		for (const [form, status] of [
			[{ scope: 'root' }, 400],
			[{ days: '0' }, 400],
			[{ days: 'soon' }, 400],
			[{ days: '99999' }, 400],
			[{ rate: '-1' }, 400],
			[{ rate: '1.5' }, 400],
			[{ scope: 'admin' }, 403]
		] as const) {
			const response = await call(acme.app, 'POST', '/key', { ...calvin, form })
			expect([form, response.status]).toEqual([form, status])
		}
		expect(acme.store.driver.allNow!('SELECT id FROM api_keys')).toEqual([])
	})
})

describe('a key', () => {
	it("holds only the groups it was given: an admin's key is not an admin key unless made one", async () => {
		const plain = await makeKey(admin)
		const strong = await makeKey(admin, { scope: 'admin' })
		const form = { login: 'hobbes', password: 'Tiger123', email: 'h@acme.org' }
		expect((await call(acme.app, 'POST', '/user', { ...withKey(plain.key), form })).status).toBe(403)
		expect((await call(acme.app, 'POST', '/user', { ...withKey(strong.key), form })).status).toBe(201)
		// and only while its user is an admin
		await acme.store.setAdmin('acme', false)
		const again = { ...form, login: 'susie' }
		expect((await call(acme.app, 'POST', '/user', { ...withKey(strong.key), form: again })).status).toBe(
			403
		)
	})

	it('expires after its days', async () => {
		const { key } = await makeKey(calvin, { days: '1' })
		expect((await call(acme.app, 'GET', '/hello-me', withKey(key))).status).toBe(200)
		setSystemTime(new Date(Date.now() + 86_400_000 + 1000))
		const expired = await call(acme.app, 'GET', '/hello-me', withKey(key))
		expect(expired.status).toBe(401)
		expect(expired.text).toContain('expired API key')
	})

	it('answers 429 with Retry-After past its rate, not 401', async () => {
		const { key } = await makeKey(calvin, { rate: '2' })
		for (let index = 0; index < 2; index++)
			expect((await call(acme.app, 'GET', '/hello-me', withKey(key))).status).toBe(200)
		const over = await call(acme.app, 'GET', '/hello-me', withKey(key))
		expect(over.status).toBe(429)
		expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
	})

	it('dies with its user', async () => {
		const { key } = await makeKey(calvin)
		await acme.store.deleteUser('calvin')
		expect((await call(acme.app, 'GET', '/hello-me', withKey(key))).status).toBe(401)
		expect(acme.store.driver.allNow!('SELECT id FROM api_keys')).toEqual([])
	})
})

describe('GET /key and DELETE /key/ID', () => {
	it("list the user's keys with their last use, never a key or a hash", async () => {
		const first = await makeKey(calvin, { scope: [], days: '30', rate: '100' })
		await makeKey(admin, { scope: 'admin' })
		await call(acme.app, 'GET', '/hello-me', withKey(first.key))
		// the last use is written once the request is answered, never before it
		await new Promise((resolve) => setImmediate(resolve))
		const listed = await call(acme.app, 'GET', '/key', calvin)
		expect(listed.status).toBe(200)
		const rows = listed.json as Record<string, unknown>[]
		expect(rows.length).toBe(1)
		expect(rows[0]).toMatchObject({ id: first.id, scopes: [] })
		expect(typeof rows[0].created).toBe('string')
		expect(Date.parse(rows[0].expires as string)).toBeGreaterThan(Date.now() + 29 * 86_400_000)
		expect(rows[0].last_used).not.toBeNull()
		expect(listed.text).not.toContain(first.key.split('_')[2])
		expect(listed.text).not.toContain('hash')
	})

	it("revoke one's own key at once, and answer 404 for another user's or a malformed id", async () => {
		const mine = await makeKey(calvin)
		const theirs = await makeKey(admin)
		for (const id of [theirs.id, 'ffffffffffffffff', 'not-an-id']) {
			const response = await call(acme.app, 'DELETE', `/key/${id}`, calvin)
			expect([id, response.status]).toEqual([id, 404])
			expect(response.text).toContain('no such API key')
		}
		expect((await call(acme.app, 'GET', '/hello-me', withKey(theirs.key))).status).toBe(200)
		expect((await call(acme.app, 'DELETE', `/key/${mine.id}`, calvin)).status).toBe(204)
		expect((await call(acme.app, 'GET', '/hello-me', withKey(mine.key))).status).toBe(401)
	})
})
