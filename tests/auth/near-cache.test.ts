/**
 * FSA_CACHE = "redis" with memory in front: a request whose facts have not changed makes no
 * Redis command; a change made on one instance reaches the others within STALENESS_MS through
 * pub/sub; a lost subscription clears memory and never lets a revoked token pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Elysia } from 'elysia'
import { RedisClient } from 'bun'
import { SimpleAuth, setClientAddress, simpleAuth } from '../../src/auth'
import { STALENESS_MS } from '../../src/auth/cache/near'
import { startRedis, type Service } from '../../scripts/services'
import { requireServer } from '../support/real-servers'
import { FAST_PASSWORDS, buildRequest, fastHash } from '../support/helpers'

let redis: Service | undefined
let admin: RedisClient
let hash = ''
const started: SimpleAuth[] = []

beforeAll(async () => {
	redis = requireServer('redis-server', await startRedis())
	if (redis) {
		admin = new RedisClient(redis.url)
		await admin.connect()
	}
	hash = await fastHash('right')
}, 600_000) // time to install redis-server where it is missing

afterAll(async () => {
	for (const auth of started) auth.cache.close()
	admin?.close()
	await redis?.stop()
})

/** The data of the application both instances share: versions as in a database. */
interface Shared {
	versions: Map<string, number>
	/** How often each hook was asked. */
	asked: { version: number; hash: number; group: number; owner: number }
}

function shared(): Shared {
	return { versions: new Map([['calvin', 1]]), asked: { version: 0, hash: 0, group: 0, owner: 0 } }
}

/** One "instance" over the shared Redis; its hooks answer later, as PostgreSQL would. */
async function instance(prefix: string, data: Shared, extra: Record<string, unknown> = {}) {
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
	})
		.getUserPass(async (login) => {
			data.asked.hash++
			return login === 'calvin' ? hash : null
		})
		.userVersion(async (login) => {
			data.asked.version++
			return data.versions.get(login) ?? null
		})
		.groupCheck('staff', async () => {
			data.asked.group++
			return true
		})
		.objectPerms('thing', async (login, id) => {
			data.asked.owner++
			return id === login
		})
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/me', ({ user }) => user, { authz: 'AUTH' })
		.get('/staff', ({ user }) => user, { authz: 'staff' })
		.get('/thing/:id', ({ user }) => user, { authz: ['thing', 'id'] })
	const send = async (options: Parameters<typeof buildRequest>[2], path = '/me') => {
		const response = await app.handle(setClientAddress(buildRequest('GET', path, options), '192.0.2.1'))
		return { status: response.status, text: await response.text() }
	}
	started.push(auth)
	await auth.cache.check()
	// memory answers from the first heartbeat heard back
	for (let waited = 0; !auth.cache.near!.trusted && waited < 5000; waited += 10) await Bun.sleep(10)
	expect(auth.cache.near!.trusted).toBe(true)
	return { auth, send }
}

/** Redis commands run since the last call, besides the pub/sub that carries heartbeats and changes. */
async function commandsSince(): Promise<Record<string, number>> {
	const info = (await admin.send('INFO', ['commandstats'])) as string
	await admin.send('CONFIG', ['RESETSTAT'])
	const counts: Record<string, number> = {}
	for (const [, name, calls] of info.matchAll(/cmdstat_(\S+?):calls=(\d+)/g))
		if (
			!['publish', 'subscribe', 'ping', 'info', 'config', 'hello', 'client'].includes(
				name.split('|')[0]
			)
		)
			counts[name] = Number(calls)
	return counts
}

const when = (name: string, test: () => Promise<void>) =>
	it(name, async () => {
		if (!redis) return console.warn(`SKIPPED: ${name}`)
		await test()
	})

describe('FSA_CACHE = "redis": memory first, Redis behind it', () => {
	when('answers known tokens, credentials, groups and permissions without a Redis command', async () => {
		const data = shared()
		const a = await instance('memory:', data)
		const token = await a.auth.createToken('calvin')
		const requests = [
			() => a.send({ bearer: token }),
			() => a.send({ basic: ['calvin', 'right'] }),
			() => a.send({ bearer: token }, '/staff'),
			() => a.send({ bearer: token }, '/thing/calvin')
		]
		for (const request of requests) expect((await request()).status).toBe(200)
		await commandsSince()
		const asked = { ...data.asked }
		for (let round = 0; round < 3; round++)
			for (const request of requests) expect(await request()).toEqual({ status: 200, text: 'calvin' })
		expect(await commandsSince()).toEqual({})
		// nor any hook: versions are kept in memory too
		expect(data.asked).toEqual(asked)
	})

	when('shows a revocation made on one instance to another within the bound', async () => {
		const data = shared()
		const a = await instance('revoke-near:', data)
		const b = await instance('revoke-near:', data)
		const token = await a.auth.createToken('calvin')
		expect((await b.send({ bearer: token })).status).toBe(200)
		expect((await b.send({ bearer: token })).status).toBe(200)
		await a.auth.revokeToken(token)
		// the instance that revoked refuses at the very next request
		expect(await a.send({ bearer: token })).toEqual({ status: 401, text: 'revoked auth token' })
		await Bun.sleep(STALENESS_MS)
		expect(await b.send({ bearer: token })).toEqual({ status: 401, text: 'revoked auth token' })
	})

	when('shows a changed user version to every instance through versionUncache', async () => {
		const data = shared()
		const a = await instance('version-near:', data)
		const b = await instance('version-near:', data)
		const token = await a.auth.createToken('calvin')
		expect((await b.send({ bearer: token })).status).toBe(200)
		expect((await b.send({ basic: ['calvin', 'right'] })).status).toBe(200)
		// a password change: the database moves the version, the instance that made it tells
		data.versions.set('calvin', 2)
		await a.auth.versionUncache('calvin')
		expect(await a.send({ bearer: token })).toEqual({ status: 401, text: 'revoked auth token' })
		await Bun.sleep(STALENESS_MS)
		expect(await b.send({ bearer: token })).toEqual({ status: 401, text: 'revoked auth token' })
		// a deleted user: no version
		const fresh = await a.auth.createToken('calvin', { delayMinutes: 30 })
		expect((await b.send({ bearer: fresh })).status).toBe(200)
		data.versions.delete('calvin')
		await a.auth.versionUncache('calvin')
		await Bun.sleep(STALENESS_MS)
		expect((await b.send({ bearer: fresh })).status).toBe(401)
		expect((await b.send({ basic: ['calvin', 'right'] })).status).toBe(200) // no version is a version
		// authUncache forgets the version too
		data.versions.set('calvin', 3)
		await a.auth.authUncache('calvin')
		const third = await a.auth.createToken('calvin', { delayMinutes: 40 })
		await Bun.sleep(STALENESS_MS)
		expect((await b.send({ bearer: third })).status).toBe(200)
	})

	when('shows a group uncache and a lockout made on one instance to another', async () => {
		const data = shared()
		const a = await instance('group-near:', data)
		const b = await instance('group-near:', data)
		expect((await b.send({ basic: ['calvin', 'right'] }, '/staff')).status).toBe(200)
		const asked = data.asked.group
		expect(await a.auth.groupUncache('calvin', 'staff')).toBe(true)
		await Bun.sleep(STALENESS_MS)
		expect((await b.send({ basic: ['calvin', 'right'] }, '/staff')).status).toBe(200)
		expect(data.asked.group).toBe(asked + 1)
		// B knows calvin's credentials; failures on A lock calvin out on B too
		for (let attempt = 0; attempt < 3; attempt++)
			expect((await a.send({ basic: ['calvin', 'wrong'] })).status).toBe(401)
		await Bun.sleep(STALENESS_MS)
		expect((await b.send({ basic: ['calvin', 'right'] })).status).toBe(429)
	})

	when('counts the password checks under way on every instance', async () => {
		const data = shared()
		const b = await instance('pending:', data)
		// three checks of calvin from this address under way elsewhere: as many as allowed
		await admin.set(`pending:zp.${JSON.stringify(['192.0.2.1', 'calvin'])}`, '3', 'PX', 60_000)
		expect((await b.send({ basic: ['calvin', 'wrong'] })).status).toBe(429)
		await admin.del(`pending:zp.${JSON.stringify(['192.0.2.1', 'calvin'])}`)
		expect((await b.send({ basic: ['calvin', 'right'] })).status).toBe(200)
		// nothing left counted as under way
		expect(await admin.get(`pending:zp.${JSON.stringify(['192.0.2.1', 'calvin'])}`)).toBe('0')
	})

	when('clears memory when the subscription drops: a change missed meanwhile is not used', async () => {
		const data = shared()
		const a = await instance('dropped:', data)
		const b = await instance('dropped:', data)
		const token = await a.auth.createToken('calvin')
		expect((await b.send({ bearer: token })).status).toBe(200)
		expect((await b.send({ bearer: token })).status).toBe(200)
		await admin.send('CLIENT', ['KILL', 'TYPE', 'pubsub'])
		// the revocation is published while no instance listens: B never hears of it
		await a.auth.revokeToken(token)
		for (let waited = 0; b.auth.cache.near!.trusted && waited < 1000; waited += 5) await Bun.sleep(5)
		for (let waited = 0; !b.auth.cache.near!.trusted && waited < 5000; waited += 10) await Bun.sleep(10)
		expect(b.auth.cache.near!.trusted).toBe(true)
		expect(await b.send({ bearer: token })).toEqual({ status: 401, text: 'revoked auth token' })
	})

	when('answers 503 when Redis stops answering, not from memory, and recovers', async () => {
		const data = shared()
		const b = await instance('paused:', data)
		const token = await b.auth.createToken('calvin')
		expect((await b.send({ bearer: token })).status).toBe(200)
		redis!.pause()
		try {
			await Bun.sleep(STALENESS_MS)
			const started = performance.now()
			expect((await b.send({ bearer: token })).status).toBe(503)
			expect((await b.send({ basic: ['calvin', 'right'] })).status).toBe(503)
			expect(performance.now() - started).toBeLessThan(5000)
		} finally {
			redis!.resume()
		}
		let status = 0
		for (let waited = 0; status !== 200 && waited < 5000; waited += 50) {
			await Bun.sleep(50)
			status = (await b.send({ bearer: token })).status
		}
		expect(status).toBe(200)
	})
})
