import { afterEach, describe, expect, it, setSystemTime } from 'bun:test'
import { Cache } from '../../src/auth/cache/cache'
import { MEMO_LIMIT, remember } from '../../src/auth/cache/memo'
import { SimpleAuth, parseSettings, serverAddress } from '../../src/auth'
import { FAST_PASSWORDS } from '../support/helpers'

afterEach(() => setSystemTime())

describe('Cache', () => {
	it('expires ttl entries after their time', async () => {
		const cache = new Cache({ kind: 'ttl', size: 10, ttlSeconds: 60, prefix: '' })
		setSystemTime(new Date('2030-01-01T00:00:00Z'))
		await cache.set('a', 1)
		expect(await cache.get('a')).toBe(1)
		setSystemTime(new Date('2030-01-01T00:00:59Z'))
		expect(await cache.get('a')).toBe(1)
		setSystemTime(new Date('2030-01-01T00:01:01Z'))
		expect(await cache.get('a')).toBeUndefined()
	})

	it('bounds its size, evicting the oldest entry', async () => {
		const cache = new Cache({ kind: 'ttl', size: 2, ttlSeconds: 60, prefix: '' })
		await cache.set('a', 1)
		await cache.set('b', 2)
		await cache.set('c', 3)
		expect(cache.size).toBe(2)
		expect(await cache.get('a')).toBeUndefined()
		expect(await cache.get('c')).toBe(3)
	})

	it('evicts the least recently used entry in lru mode', async () => {
		const cache = new Cache({ kind: 'lru', size: 2, ttlSeconds: 60, prefix: '' })
		await cache.set('a', 1)
		await cache.set('b', 2)
		expect(await cache.get('a')).toBe(1)
		await cache.set('c', 3)
		expect(await cache.get('b')).toBeUndefined()
		expect(await cache.get('a')).toBe(1)
	})

	it('keeps nothing when disabled', async () => {
		const cache = new Cache({ kind: 'none', size: 2, ttlSeconds: 60, prefix: '' })
		await cache.set('a', 1)
		expect(await cache.get('a')).toBeUndefined()
	})

	it('prefixes its keys', async () => {
		const cache = new Cache({ kind: 'ttl', size: 2, ttlSeconds: 60, prefix: 'acme:' })
		expect(cache.key('u', 'calvin')).toBe('acme:u.["calvin"]')
	})
})

describe('cache directives', () => {
	it('reads FSA_CACHE, FSA_CACHE_SIZE, FSA_CACHE_OPTS and FSA_CACHE_PREFIX', () => {
		const settings = parseSettings({
			FSA_AUTH: 'basic',
			FSA_CACHE: 'lru',
			FSA_CACHE_SIZE: 5,
			FSA_CACHE_OPTS: { ttl: 30 },
			FSA_CACHE_PREFIX: 'x:'
		})
		expect(settings.cache).toEqual({ kind: 'lru', size: 5, ttlSeconds: 30, prefix: 'x:' })
		expect(parseSettings({ FSA_AUTH: 'basic' }).cache).toEqual({
			kind: 'ttl',
			size: 262144,
			ttlSeconds: 600,
			prefix: ''
		})
	})

	it('refuses bad cache values naming the directive', () => {
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_CACHE: 'memcached' })).toThrow(/FSA_CACHE/)
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_CACHE: 'redis' })).toThrow(/FSA_CACHE/)
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_CACHE_SIZE: 0 })).toThrow(/FSA_CACHE_SIZE/)
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_CACHE_OPTS: { ttl: -1 } })).toThrow(
			/FSA_CACHE_OPTS/
		)
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_CACHE_OPTS: { size: 3 } })).toThrow(
			/FSA_CACHE_OPTS/
		)
	})
})

/** A SimpleAuth whose hooks count their calls. */
async function countingAuth(config: Record<string, unknown> = {}) {
	const calls = { pass: 0, group: 0, perm: 0 }
	const auth = new SimpleAuth({
		name: 'test',
		config: { ...FAST_PASSWORDS, FSA_AUTH: ['basic', 'token'], ...config }
	})
	const hash = await auth.hashPassword('hobbes')
	auth.getUserPass((login) => {
		calls.pass++
		return login === 'calvin' ? hash : null
	})
		.groupCheck('admin', (login) => {
			calls.group++
			return login === 'calvin'
		})
		.objectPerms('stuff', (login, id) => {
			calls.perm++
			return id === 'missing' ? null : login === 'calvin'
		})
	return { auth, calls }
}

describe('cached checks', () => {
	it('looks a password hash up once, and never caches unknown users', async () => {
		const { auth, calls } = await countingAuth()
		await auth.checkUserPassword('calvin', 'hobbes')
		await auth.checkUserPassword('calvin', 'hobbes')
		expect(calls.pass).toBe(1)
		await expect(auth.checkUserPassword('susie', 'x')).rejects.toThrow('invalid user or password')
		await expect(auth.checkUserPassword('susie', 'x')).rejects.toThrow('invalid user or password')
		expect(calls.pass).toBe(3)
	})

	it('never accepts a wrong password because the right one was cached', async () => {
		const { auth } = await countingAuth()
		await auth.checkUserPassword('calvin', 'hobbes')
		await expect(auth.checkUserPassword('calvin', 'hobbes!')).rejects.toThrow('invalid user or password')
	})

	it('forgets a password with password_uncache and auth_uncache', async () => {
		const { auth, calls } = await countingAuth()
		await auth.checkUserPassword('calvin', 'hobbes')
		expect(await auth.passwordUncache('calvin')).toBe(true)
		await auth.checkUserPassword('calvin', 'hobbes')
		expect(calls.pass).toBe(2)
		expect(await auth.authUncache('calvin')).toBeGreaterThan(0)
		await auth.checkUserPassword('calvin', 'hobbes')
		expect(calls.pass).toBe(3)
	})

	it('caches group checks until group_uncache', async () => {
		const { auth, calls } = await countingAuth()
		await auth.checkGroups('calvin', ['admin'])
		await auth.checkGroups('calvin', ['admin'])
		expect(calls.group).toBe(1)
		await expect(auth.checkGroups('hobbes', ['admin'])).rejects.toThrow('not in group "admin"')
		await expect(auth.checkGroups('hobbes', ['admin'])).rejects.toThrow('not in group "admin"')
		expect(calls.group).toBe(2)
		expect(await auth.groupUncache('calvin', 'admin')).toBe(true)
		await auth.checkGroups('calvin', ['admin'])
		expect(calls.group).toBe(3)
	})

	it('caches object permissions but not missing objects', async () => {
		const { auth, calls } = await countingAuth()
		const owner = { domain: 'stuff', variables: ['sid'], mode: 'owner' }
		await auth.checkPermission('calvin', owner, ['pen'])
		await auth.checkPermission('calvin', owner, ['pen'])
		expect(calls.perm).toBe(1)
		await expect(auth.checkPermission('calvin', owner, ['missing'])).rejects.toThrow('object not found')
		await expect(auth.checkPermission('calvin', owner, ['missing'])).rejects.toThrow('object not found')
		expect(calls.perm).toBe(3)
		expect(await auth.objectPermsUncache('stuff', 'calvin', ['pen'], 'owner')).toBe(true)
		await auth.checkPermission('calvin', owner, ['pen'])
		expect(calls.perm).toBe(4)
	})

	it('rechecks the expiry of a cached token', async () => {
		const { auth } = await countingAuth({ FSA_TOKEN_DELAY: 1 })
		setSystemTime(new Date('2030-01-01T00:00:00Z'))
		const token = await auth.createToken('calvin')
		expect((await auth.verifyToken(token, 'test')).user).toBe('calvin')
		setSystemTime(new Date('2030-01-01T00:02:00Z'))
		await expect(auth.verifyToken(token, 'test')).rejects.toThrow(/expired/)
	})

	it('caches nothing with FSA_CACHE none', async () => {
		const { auth, calls } = await countingAuth({ FSA_CACHE: 'none' })
		await auth.checkUserPassword('calvin', 'hobbes')
		await auth.checkUserPassword('calvin', 'hobbes')
		await auth.checkGroups('calvin', ['admin'])
		await auth.checkGroups('calvin', ['admin'])
		expect(calls).toEqual({ pass: 2, group: 2, perm: 0 })
	})

	it('clears everything with clear_caches', async () => {
		const { auth } = await countingAuth()
		await auth.checkUserPassword('calvin', 'hobbes')
		expect(auth.cache.size).toBeGreaterThan(0)
		await auth.clearCaches()
		expect(auth.cache.size).toBe(0)
	})
})

describe('user versions', () => {
	it('sees a changed password, group or permission at once when the version changes', async () => {
		const { auth, calls } = await countingAuth()
		let version = 1
		auth.userVersion(() => version)
		await auth.checkUserPassword('calvin', 'hobbes')
		await auth.checkGroups('calvin', ['admin'])
		const owner = { domain: 'stuff', variables: ['sid'], mode: 'owner' }
		await auth.checkPermission('calvin', owner, ['pen'])
		await auth.checkUserPassword('calvin', 'hobbes')
		await auth.checkGroups('calvin', ['admin'])
		await auth.checkPermission('calvin', owner, ['pen'])
		expect(calls).toEqual({ pass: 1, group: 1, perm: 1 })
		version = 2
		await auth.checkUserPassword('calvin', 'hobbes')
		await auth.checkGroups('calvin', ['admin'])
		await auth.checkPermission('calvin', owner, ['pen'])
		expect(calls).toEqual({ pass: 2, group: 2, perm: 2 })
	})

	it('uncaches a user whatever the version of the entries', async () => {
		const { auth, calls } = await countingAuth()
		auth.userVersion(() => 'v7')
		await auth.checkGroups('calvin', ['admin'])
		expect(await auth.groupUncache('calvin', 'admin')).toBe(true)
		expect(await auth.groupUncache('calvin', 'admin')).toBe(false)
		await auth.checkGroups('calvin', ['admin'])
		expect(calls.group).toBe(2)
	})

	it('answers 500 when the version hook fails', async () => {
		const { auth } = await countingAuth()
		auth.userVersion(() => {
			throw new Error('database is down')
		})
		await expect(auth.checkUserPassword('calvin', 'hobbes')).rejects.toMatchObject({
			status: 500,
			message: 'internal error in user_version'
		})
	})
})

describe('serverAddress', () => {
	it('names host and port, the default port when the URL has none, and never user or password', () => {
		expect(serverAddress('redis://user:secret@cache.example:6380/0', 6379)).toBe('cache.example:6380')
		expect(serverAddress('postgres://acme:pass@db.example/acme', 5432)).toBe('db.example:5432')
		expect(serverAddress('not a url', 6379)).toBe('the configured address')
	})
})

describe('remember', () => {
	it('keeps what requests bring up to MEMO_LIMIT entries, then starts over', () => {
		const memo = new Map<string, number>()
		for (let index = 0; index < MEMO_LIMIT; index++)
			expect(remember(memo, `t${index}`, index)).toBe(index)
		expect(memo.size).toBe(MEMO_LIMIT)
		expect(memo.get('t0')).toBe(0)
		remember(memo, 'one more', -1)
		expect(memo.size).toBe(1)
		expect(memo.get('one more')).toBe(-1)
	})
})
