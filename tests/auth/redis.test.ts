/**
 * FSA_CACHE = "redis": two framework instances (as two service instances would) share the
 * caches, the brute-force counters and the token revocation list through a real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Elysia } from 'elysia'
import { SimpleAuth, parseSettings, setClientAddress, simpleAuth } from '../../src/auth'
import { startRedis } from '../../scripts/services'
import { needing, requireServer } from '../support/real-servers'
import { FAST_PASSWORDS, buildRequest, fastHash } from '../support/helpers'
import { STALENESS_MS } from '../../src/auth/cache/near'

// installed where missing (as root; top-level await has no time limit)
const redis = requireServer('redis-server', await startRedis())
let hash = ''

beforeAll(async () => {
	hash = await fastHash('right')
})

afterAll(async () => {
	await redis?.stop()
})

/** One "instance": its own SimpleAuth and app over the shared Redis. */
function instance(prefix: string, lookups: string[], extra: Record<string, unknown> = {}) {
	const auth = new SimpleAuth({
		name: 'acme',
		config: {
			...FAST_PASSWORDS,
			FSA_AUTH: ['token', 'basic'],
			FSA_TOKEN_SECRET: 'shared-secret-between-instances',
			FSA_CACHE: 'redis',
			FSA_CACHE_OPTS: { url: redis!.url, ttl: 60 },
			FSA_CACHE_PREFIX: prefix,
			FSA_THROTTLE_LOGIN: 3,
			FSA_SECURE: false,
			...extra
		}
	}).getUserPass((login) => {
		lookups.push(login)
		return login === 'calvin' ? hash : null
	})
	const app = new Elysia().use(simpleAuth(auth)).get('/me', ({ user }) => user, { authz: 'AUTH' })
	const send = async (options: Parameters<typeof buildRequest>[2]) => {
		const response = await app.handle(setClientAddress(buildRequest('GET', '/me', options), '192.0.2.1'))
		return { status: response.status, text: await response.text() }
	}
	return { auth, send }
}

/** A test that needs the server: reported as skipped, saying why, where it is missing. */
const when = (name: string, test: () => Promise<void>) =>
	it.skipIf(!redis)(needing(name, 'redis-server', redis), test)

describe('FSA_CACHE = "redis"', () => {
	it('requires the server url in FSA_CACHE_OPTS', () => {
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_CACHE: 'redis' })).toThrow('FSA_CACHE_OPTS')
		expect(() =>
			parseSettings({ FSA_AUTH: 'basic', FSA_CACHE: 'redis', FSA_CACHE_OPTS: { url: 'http://x' } })
		).toThrow('FSA_CACHE_OPTS')
		expect(
			parseSettings({ FSA_AUTH: 'basic', FSA_CACHE: 'redis', FSA_CACHE_OPTS: { url: 'redis://h:1' } })
				.cache.url
		).toBe('redis://h:1')
	})

	when('shares cached password lookups between instances, under the prefix', async () => {
		const lookups: string[] = []
		const a = instance('share:', lookups)
		const b = instance('share:', lookups)
		expect((await a.send({ basic: ['calvin', 'right'] })).status).toBe(200)
		expect((await b.send({ basic: ['calvin', 'right'] })).status).toBe(200)
		expect(lookups).toEqual(['calvin'])
		// another prefix is another cache
		const c = instance('other:', lookups)
		expect((await c.send({ basic: ['calvin', 'right'] })).status).toBe(200)
		expect(lookups).toEqual(['calvin', 'calvin'])
	})

	when('shows an uncache made on one instance to the others', async () => {
		const lookups: string[] = []
		const a = instance('uncache:', lookups)
		const b = instance('uncache:', lookups)
		await a.send({ basic: ['calvin', 'right'] })
		expect(await b.auth.passwordUncache('calvin')).toBe(true)
		// another instance hears of a change within the staleness bound
		await Bun.sleep(STALENESS_MS)
		await a.send({ basic: ['calvin', 'right'] })
		expect(lookups).toEqual(['calvin', 'calvin'])
	})

	when('throttles across instances', async () => {
		const a = instance('throttle:', [])
		const b = instance('throttle:', [])
		for (const send of [a.send, b.send, a.send])
			expect((await send({ basic: ['calvin', 'wrong'] })).status).toBe(401)
		const refused = await b.send({ basic: ['calvin', 'right'] })
		expect(refused.status).toBe(429)
	})

	when('refuses on every instance a token revoked on one, and the tokens of a revoked user', async () => {
		const a = instance('revoke:', [])
		const b = instance('revoke:', [])
		const token = await a.auth.createToken('calvin')
		expect(await b.send({ bearer: token })).toEqual({ status: 200, text: 'calvin' })
		await a.auth.revokeToken(token)
		await Bun.sleep(STALENESS_MS)
		expect(await b.send({ bearer: token })).toEqual({ status: 401, text: 'revoked auth token' })
		// fsa tokens made in the same second are the same token: make a different one
		const other = await b.auth.createToken('calvin', { delayMinutes: 30 })
		expect((await a.send({ bearer: other })).status).toBe(200)
		await b.auth.revokeUser('calvin')
		await Bun.sleep(STALENESS_MS)
		expect((await a.send({ bearer: other })).status).toBe(401)
	})

	when('counts the requests of a rate-limited API key across instances', async () => {
		const a = instance('apikey:', [], { FSA_AUTH: ['apikey'] })
		const b = instance('apikey:', [], { FSA_AUTH: ['apikey'] })
		const { id, key, hash } = a.auth.createApiKey()
		for (const { auth } of [a, b])
			auth.apiKey((asked) => (asked === id ? { user: 'calvin', hash, rate: 3 } : null))
		const headers = { 'X-API-Key': key }
		for (const send of [a.send, b.send, a.send])
			expect(await send({ headers })).toEqual({ status: 200, text: 'calvin' })
		const refused = await b.send({ headers })
		expect(refused.status).toBe(429)
		expect(refused.text).toContain('rate limit')
	})
})
