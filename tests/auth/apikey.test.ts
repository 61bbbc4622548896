/**
 * The apikey scheme: key format and hashing, lookup through the application's hook, refusal
 * of unknown, wrong, revoked and expired keys and of deleted users, groups limited to the
 * key's scopes, rate limits answered 429, last use told at most once a minute, and the
 * configuration (FSA_APIKEY_HEADER, the OpenAPI security scheme).
 */
import { beforeAll, describe, expect, it } from 'bun:test'
import { Elysia } from 'elysia'
import {
	SimpleAuth,
	checkRoutes,
	hashApiKey,
	isApiKeyId,
	openapiDocument,
	parseSettings,
	simpleAuth,
	type ApiKeyRecord,
	type RawConfig
} from '../../src/auth'
import { FAST_PASSWORDS, call, fastHash } from '../support/helpers'

let hobbesHash = ''
beforeAll(async () => {
	hobbesHash = await fastHash('susie')
})

interface World {
	keys: Map<string, ApiKeyRecord>
	users: Map<string, number>
	admins: Set<string>
	used: [string, Date][]
	lookups: string[]
}

function makeWorld(): World {
	return {
		keys: new Map(),
		users: new Map([
			['calvin', 1],
			['hobbes', 1]
		]),
		admins: new Set(['calvin']),
		used: [],
		lookups: []
	}
}

function makeAuth(world: World, config: RawConfig = {}, waits = false): SimpleAuth {
	const answer = <T>(value: T) => (waits ? Promise.resolve(value) : value)
	return new SimpleAuth({
		name: 'Test',
		config: { ...FAST_PASSWORDS, FSA_AUTH: ['apikey', 'basic', 'none'], ...config }
	})
		.getUserPass((login) => (login === 'hobbes' ? hobbesHash : null))
		.userVersion((login) => answer(world.users.get(login) ?? null))
		.groupCheck('admin', (login) => world.admins.has(login))
		.groupCheck('reader', (login) => world.users.has(login))
		.apiKey((id) => {
			world.lookups.push(id)
			return answer(world.keys.get(id) ?? null)
		})
		.apiKeyUsed((id, at) => {
			world.used.push([id, at])
		})
}

function makeApp(auth: SimpleAuth) {
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/who', ({ user }) => ({ user }), { authz: 'AUTH' })
		.get('/admin', ({ user }) => ({ user }), { authz: 'admin' })
		.get('/reader', ({ user }) => ({ user }), { authz: 'reader' })
		.get('/password', ({ user }) => ({ user }), { authz: 'AUTH', authn: ['basic'] })
	checkRoutes(app)
	return app
}

/** Make a key for a user in the world; returns the key to present. */
function issue(auth: SimpleAuth, world: World, user: string, record: Partial<ApiKeyRecord> = {}) {
	const { id, key, hash } = auth.createApiKey()
	world.keys.set(id, { user, hash, scopes: [], ...record })
	return { id, key }
}

const withKey = (key: string, header = 'X-API-Key') => ({ headers: { [header]: key } })

describe('API key format', () => {
	it('carries a prefix, a 64-bit id and a 256-bit secret; only the hash is stored', () => {
		const auth = makeAuth(makeWorld())
		const made = auth.createApiKey()
		expect(made.key).toMatch(/^test_[0-9a-f]{16}_[0-9a-f]{64}$/)
		expect(made.key.split('_')[1]).toBe(made.id)
		expect(isApiKeyId(made.id)).toBe(true)
		expect(made.hash).toBe(hashApiKey(made.key))
		expect(made.hash).toMatch(/^[0-9a-f]{64}$/)
		expect(made.hash.includes(made.key.split('_')[2])).toBe(false)
		const other = auth.createApiKey()
		expect(other.id).not.toBe(made.id)
		expect(other.key).not.toBe(made.key)
		expect(auth.createApiKey('acme').key.startsWith('acme_')).toBe(true)
		expect(() => auth.createApiKey('Bad_Prefix')).toThrow('prefix')
	})

	it('refuses ids that are not 16 hex digits', () => {
		for (const text of ['', 'abc', '0123456789abcdeg', '0123456789ABCDEF', '0123456789abcdef0'])
			expect(isApiKeyId(text)).toBe(false)
	})
})

describe('the apikey scheme', () => {
	it('authenticates a key as its user, and records nothing for a request without one', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const { key } = issue(auth, world, 'calvin')
		const response = await call(app, 'GET', '/who', withKey(key))
		expect(response.status).toBe(200)
		expect(response.json).toEqual({ user: 'calvin' })
		expect(response.headers.get('fsa-user')).toBeNull()
		const anonymous = await call(app, 'GET', '/who')
		expect(anonymous.status).toBe(401)
	})

	it('refuses a malformed key, an unknown id and a wrong secret alike: 401 "invalid API key"', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const { id, key } = issue(auth, world, 'calvin')
		const wrongSecret = `test_${id}_${'0'.repeat(64)}`
		const unknownId = `test_${'f'.repeat(16)}_${key.split('_')[2]}`
		for (const bad of ['nonsense', `${key}0`, key.toUpperCase(), wrongSecret, unknownId]) {
			const response = await call(app, 'GET', '/who', withKey(bad))
			expect(response.status).toBe(401)
			expect(response.text).toContain('invalid API key')
		}
		// a malformed key never reaches the store
		world.lookups.length = 0
		await call(app, 'GET', '/who', withKey('nonsense'))
		expect(world.lookups).toEqual([])
	})

	it('asks the record of a key it accepted before on every request, and checks it again when its hash changed', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const { id, key } = issue(auth, world, 'calvin')
		expect((await call(app, 'GET', '/who', withKey(key))).status).toBe(200)
		world.lookups.length = 0
		expect((await call(app, 'GET', '/who', withKey(key))).status).toBe(200)
		expect(world.lookups).toEqual([id])
		// the same id now stored with another key's hash: the key that matched before does not
		world.keys.set(id, { ...world.keys.get(id)!, hash: auth.createApiKey().hash })
		const response = await call(app, 'GET', '/who', withKey(key))
		expect(response.status).toBe(401)
		expect(response.text).toContain('invalid API key')
		// a wrong secret for an id whose key was accepted is refused too
		world.keys.set(id, { ...world.keys.get(id)!, hash: hashApiKey(key) })
		expect((await call(app, 'GET', '/who', withKey(key))).status).toBe(200)
		const wrong = await call(app, 'GET', '/who', withKey(`test_${id}_${'1'.repeat(64)}`))
		expect(wrong.status).toBe(401)
	})

	it('refuses a revoked or expired key at once, as the store says', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const { id, key } = issue(auth, world, 'calvin')
		expect((await call(app, 'GET', '/who', withKey(key))).status).toBe(200)
		world.keys.get(id)!.revoked = true
		const revoked = await call(app, 'GET', '/who', withKey(key))
		expect(revoked.status).toBe(401)
		expect(revoked.text).toContain('revoked API key')
		const expiring = issue(auth, world, 'calvin', { expires: Date.now() / 1000 + 3600 })
		expect((await call(app, 'GET', '/who', withKey(expiring.key))).status).toBe(200)
		world.keys.get(expiring.id)!.expires = Date.now() / 1000 - 1
		const expired = await call(app, 'GET', '/who', withKey(expiring.key))
		expect(expired.status).toBe(401)
		expect(expired.text).toContain('expired API key')
	})

	it('dies with its user, even when the store forgets to delete it', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const { key } = issue(auth, world, 'calvin')
		expect((await call(app, 'GET', '/who', withKey(key))).status).toBe(200)
		world.users.delete('calvin')
		const response = await call(app, 'GET', '/who', withKey(key))
		expect(response.status).toBe(401)
		expect(response.text).toContain('no such user for API key')
	})

	it('works the same with a store that waits (PostgreSQL)', async () => {
		const world = makeWorld()
		const auth = makeAuth(world, {}, true)
		const app = makeApp(auth)
		const { id, key } = issue(auth, world, 'calvin', { scopes: ['admin'] })
		expect((await call(app, 'GET', '/admin', withKey(key))).json).toEqual({ user: 'calvin' })
		world.keys.get(id)!.revoked = true
		expect((await call(app, 'GET', '/admin', withKey(key))).status).toBe(401)
	})

	it('answers at once when the store does: no promise on the hot path', () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const { key } = issue(auth, world, 'calvin')
		const found = auth.verifyApiKey(key)
		expect(found).not.toBeInstanceOf(Promise)
		expect(found).toEqual({ user: 'calvin', scopes: [] })
	})

	it('reads the header named by FSA_APIKEY_HEADER', async () => {
		const world = makeWorld()
		const auth = makeAuth(world, { FSA_APIKEY_HEADER: 'Acme-Key' })
		const app = makeApp(auth)
		const { key } = issue(auth, world, 'calvin')
		expect((await call(app, 'GET', '/who', withKey(key, 'Acme-Key'))).status).toBe(200)
		expect((await call(app, 'GET', '/who', withKey(key))).status).toBe(401)
	})

	it('is not accepted where a route names other schemes', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const { key } = issue(auth, world, 'calvin')
		expect((await call(app, 'GET', '/password', withKey(key))).status).toBe(401)
	})

	it('answers 500 without an apiKey hook, and never leaks the key in the log detail', async () => {
		const auth = new SimpleAuth({ name: 'Test', config: { FSA_AUTH: ['apikey'] } })
		const app = new Elysia().use(simpleAuth(auth)).get('/who', ({ user }) => user, { authz: 'AUTH' })
		const response = await call(app, 'GET', '/who', withKey(`test_${'a'.repeat(16)}_${'b'.repeat(64)}`))
		expect(response.status).toBe(500)
		expect(response.text).not.toContain('b'.repeat(64))
	})
})

describe('groups through a key', () => {
	it("are only those given to the key: an admin's key is no admin key unless made one", async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const plain = issue(auth, world, 'calvin')
		const reader = issue(auth, world, 'calvin', { scopes: ['reader'] })
		const admin = issue(auth, world, 'calvin', { scopes: ['admin', 'reader'] })
		expect((await call(app, 'GET', '/who', withKey(plain.key))).status).toBe(200)
		const refused = await call(app, 'GET', '/admin', withKey(plain.key))
		expect(refused.status).toBe(403)
		expect((await call(app, 'GET', '/reader', withKey(plain.key))).status).toBe(403)
		expect((await call(app, 'GET', '/reader', withKey(reader.key))).status).toBe(200)
		expect((await call(app, 'GET', '/admin', withKey(reader.key))).status).toBe(403)
		expect((await call(app, 'GET', '/admin', withKey(admin.key))).status).toBe(200)
	})

	it('and only while the user still has them', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const calvin = issue(auth, world, 'calvin', { scopes: ['admin'] })
		const hobbes = issue(auth, world, 'hobbes', { scopes: ['admin'] })
		expect((await call(app, 'GET', '/admin', withKey(hobbes.key))).status).toBe(403)
		expect((await call(app, 'GET', '/admin', withKey(calvin.key))).status).toBe(200)
		world.admins.delete('calvin')
		world.users.set('calvin', 2) // the store's version moves with the change
		expect((await call(app, 'GET', '/admin', withKey(calvin.key))).status).toBe(403)
	})
})

describe('rate limits', () => {
	it('answer 429 with Retry-After past the rate, not 401, and count each key apart', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const limited = issue(auth, world, 'calvin', { rate: 3 })
		const free = issue(auth, world, 'calvin')
		for (let index = 0; index < 3; index++)
			expect((await call(app, 'GET', '/who', withKey(limited.key))).status).toBe(200)
		const over = await call(app, 'GET', '/who', withKey(limited.key))
		expect(over.status).toBe(429)
		expect(over.text).toContain('rate limit')
		const retry = Number(over.headers.get('retry-after'))
		expect(retry).toBeGreaterThanOrEqual(1)
		expect(retry).toBeLessThanOrEqual(60)
		for (let index = 0; index < 10; index++)
			expect((await call(app, 'GET', '/who', withKey(free.key))).status).toBe(200)
	})

	it('leave a wrong secret a 401: a stranger cannot spend the key', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const { id, key } = issue(auth, world, 'calvin', { rate: 2 })
		for (let index = 0; index < 5; index++)
			expect((await call(app, 'GET', '/who', withKey(`test_${id}_${'0'.repeat(64)}`))).status).toBe(401)
		expect((await call(app, 'GET', '/who', withKey(key))).status).toBe(200)
	})
})

describe('last use', () => {
	it('is told at once, then at most once a minute per key', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const first = issue(auth, world, 'calvin')
		const second = issue(auth, world, 'calvin')
		for (let index = 0; index < 5; index++) await call(app, 'GET', '/who', withKey(first.key))
		await call(app, 'GET', '/who', withKey(second.key))
		expect(world.used.map(([id]) => id)).toEqual([first.id, second.id])
		expect(Math.abs(world.used[0][1].getTime() - Date.now())).toBeLessThan(60_000)
	})

	it('is not told for a refused key', async () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const app = makeApp(auth)
		const { id } = issue(auth, world, 'calvin', { revoked: true })
		await call(app, 'GET', '/who', withKey(`test_${id}_${'0'.repeat(64)}`))
		expect(world.used).toEqual([])
	})
})

describe('configuration', () => {
	it('knows the apikey scheme and FSA_APIKEY_HEADER', () => {
		expect(parseSettings({ FSA_AUTH: ['apikey'] }).apikeyHeader).toBe('x-api-key')
		expect(parseSettings({ FSA_AUTH: ['apikey'], FSA_APIKEY_HEADER: 'Key' }).apikeyHeader).toBe('key')
		expect(() => parseSettings({ FSA_AUTH: ['apikey'], FSA_APIKEY_HEADER: 'bad header' })).toThrow(
			'FSA_APIKEY_HEADER must be a valid HTTP header name'
		)
		expect(() => parseSettings({ FSA_AUTH: ['apikey'], FSA_APIKEY_HEADER: 3 })).toThrow(
			'FSA_APIKEY_HEADER'
		)
	})

	it('describes the scheme in the OpenAPI document: an apiKey in its header', () => {
		const world = makeWorld()
		const auth = makeAuth(world)
		const document = openapiDocument(makeApp(auth), auth, { title: 'Test', version: '1' }) as any
		expect(document.components.securitySchemes.apikeyAuth).toMatchObject({
			type: 'apiKey',
			in: 'header',
			name: 'x-api-key'
		})
		expect(document.paths['/who'].get.security).toContainEqual({ apikeyAuth: [] })
		expect(document.paths['/password'].get.security).not.toContainEqual({ apikeyAuth: [] })
	})
})
