/**
 * Brute-force throttling: failures counted per login and address and per address, 429 with
 * Retry-After before any hashing, even for the right password, until the window passes.
 */
import { afterEach, describe, expect, it, setSystemTime } from 'bun:test'
import { Elysia } from 'elysia'
import { SimpleAuth, parseSettings, setClientAddress, simpleAuth } from '../../src/auth'
import { MemoryBackend } from '../../src/auth/cache/memory'
import { Throttle } from '../../src/auth/authn/throttle'
import { FAST_PASSWORDS, buildRequest, type RequestOptions } from '../support/helpers'

afterEach(() => setSystemTime())

async function throttledApp(config: Record<string, unknown> = {}) {
	const lookups: string[] = []
	const auth = new SimpleAuth({
		name: 'test',
		config: {
			...FAST_PASSWORDS,
			FSA_AUTH: ['basic', 'param'],
			FSA_TRUSTED_PROXIES: ['10.0.0.1'],
			// clients come from documentation addresses over plain http
			FSA_SECURE: false,
			...config
		}
	})
	const hash = await auth.hashPassword('right')
	auth.getUserPass((login) => {
		lookups.push(login)
		return login === 'calvin' || login === 'hobbes' ? hash : null
	})
	const app = new Elysia().use(simpleAuth(auth)).get('/me', ({ user }) => user, { authz: 'AUTH' })
	const send = async (
		login: string,
		password: string,
		address = '192.0.2.7',
		options: RequestOptions = {}
	) => {
		const request = setClientAddress(
			buildRequest('GET', '/me', { basic: [login, password], ...options }),
			address
		)
		const response = await app.handle(request)
		return {
			status: response.status,
			retryAfter: response.headers.get('retry-after'),
			text: await response.text()
		}
	}
	return { send, lookups }
}

describe('throttling of password checks', () => {
	it('refuses the 11th attempt of a login from an address with 429 and Retry-After, even the right password', async () => {
		const { send } = await throttledApp()
		for (let attempt = 0; attempt < 10; attempt++)
			expect((await send('calvin', 'wrong')).status).toBe(401)
		const refused = await send('calvin', 'right')
		expect(refused.status).toBe(429)
		expect(Number(refused.retryAfter)).toBeGreaterThan(0)
		expect(Number(refused.retryAfter)).toBeLessThanOrEqual(15 * 60)
		expect(refused.text).toBe('too many failed authentication attempts, retry later')
	})

	it('leaves other logins and other addresses alone', async () => {
		const { send } = await throttledApp()
		for (let attempt = 0; attempt < 10; attempt++) await send('calvin', 'wrong')
		expect((await send('calvin', 'right')).status).toBe(429)
		expect((await send('hobbes', 'right')).status).toBe(200)
		expect((await send('calvin', 'right', '192.0.2.8')).status).toBe(200)
	})

	it('lets the right password through again once the window has passed', async () => {
		const { send } = await throttledApp()
		setSystemTime(new Date('2030-01-01T00:00:00Z'))
		for (let attempt = 0; attempt < 10; attempt++) await send('calvin', 'wrong')
		setSystemTime(new Date('2030-01-01T00:14:00Z'))
		expect((await send('calvin', 'right')).status).toBe(429)
		setSystemTime(new Date('2030-01-01T00:15:01Z'))
		expect((await send('calvin', 'right')).status).toBe(200)
	})

	it('throttles an address failing across many logins, unknown logins included', async () => {
		const { send } = await throttledApp({ FSA_THROTTLE_ADDRESS: 20 })
		for (let attempt = 0; attempt < 20; attempt++)
			expect((await send(`nobody${attempt}`, 'x')).status).toBe(401)
		expect((await send('calvin', 'right')).status).toBe(429)
		expect((await send('calvin', 'right', '192.0.2.99')).status).toBe(200)
	})

	it('checks before any lookup or hashing', async () => {
		const { send, lookups } = await throttledApp({ FSA_THROTTLE_LOGIN: 2 })
		await send('calvin', 'wrong')
		await send('calvin', 'wrong')
		lookups.length = 0
		expect((await send('calvin', 'wrong')).status).toBe(429)
		expect(lookups).toEqual([])
	})

	it('forgets the failures of a login after a success', async () => {
		const { send } = await throttledApp({ FSA_THROTTLE_LOGIN: 3 })
		await send('calvin', 'wrong')
		await send('calvin', 'wrong')
		expect((await send('calvin', 'right')).status).toBe(200)
		await send('calvin', 'wrong')
		await send('calvin', 'wrong')
		expect((await send('calvin', 'right')).status).toBe(200)
	})

	it('counts the param scheme too', async () => {
		const { send } = await throttledApp({ FSA_THROTTLE_LOGIN: 1 })
		const param = (password: string) =>
			send('', '', '192.0.2.7', { basic: undefined, query: { USER: 'calvin', PASS: password } })
		expect((await param('wrong')).status).toBe(401)
		expect((await param('right')).status).toBe(429)
	})

	it('reads the client from X-Forwarded-For only when a trusted proxy sends it', async () => {
		const { send } = await throttledApp({ FSA_THROTTLE_LOGIN: 1 })
		const forwarded = (client: string) => ({ headers: { 'x-forwarded-for': client } })
		// through the trusted proxy, two clients are two addresses
		expect((await send('calvin', 'wrong', '10.0.0.1', forwarded('198.51.100.1'))).status).toBe(401)
		expect((await send('calvin', 'right', '10.0.0.1', forwarded('198.51.100.2'))).status).toBe(200)
		expect((await send('calvin', 'right', '10.0.0.1', forwarded('198.51.100.1'))).status).toBe(429)
		// from anyone else the header is ignored: the socket address counts
		expect((await send('calvin', 'wrong', '192.0.2.50', forwarded('198.51.100.3'))).status).toBe(401)
		expect((await send('calvin', 'right', '192.0.2.50', forwarded('198.51.100.4'))).status).toBe(429)
	})

	it('can be disabled, and its limits are validated', async () => {
		const { send } = await throttledApp({ FSA_THROTTLE: false })
		for (let attempt = 0; attempt < 12; attempt++) await send('calvin', 'wrong')
		expect((await send('calvin', 'right')).status).toBe(200)
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_THROTTLE_LOGIN: 0 })).toThrow(
			'FSA_THROTTLE_LOGIN'
		)
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_THROTTLE_WINDOW: 'long' })).toThrow(
			'FSA_THROTTLE_WINDOW'
		)
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_THROTTLE: 'yes' })).toThrow('FSA_THROTTLE')
	})
})

describe('the throttle in memory', () => {
	const settings = { enabled: true, windowSeconds: 60, perLogin: 2, perAddress: 3 }
	/** A memory backend counting what the throttle asks of it. */
	function counted() {
		const backend = new MemoryBackend('ttl', 100, 60)
		let peeks = 0
		const peek = backend.peek.bind(backend)
		backend.peek = (key: string) => {
			peeks++
			return peek(key)
		}
		return { backend, peeks: () => peeks }
	}

	it('answers at once, without lookups, while nothing failed within the window', async () => {
		setSystemTime(new Date('2030-01-01T00:00:00Z'))
		const { backend, peeks } = counted()
		const throttle = new Throttle(settings, backend, 'test.')
		expect(throttle.knownClear('calvin', '192.0.2.7')).toBe(true)
		expect(peeks()).toBe(0)
		await throttle.failed('calvin', '192.0.2.7')
		await throttle.failed('calvin', '192.0.2.7')
		expect(throttle.knownClear('calvin', '192.0.2.7')).toBe(false)
		expect(throttle.knownClear('hobbes', '192.0.2.7')).toBe(true)
		expect(peeks()).toBeGreaterThan(0)
		setSystemTime(new Date('2030-01-01T00:01:01Z'))
		const before = peeks()
		expect(throttle.knownClear('calvin', '192.0.2.7')).toBe(true)
		expect(peeks()).toBe(before)
	})

	it('still counts the checks under way of an address', async () => {
		const { backend } = counted()
		const throttle = new Throttle(settings, backend, 'test.')
		const gates: (() => void)[] = []
		const slow = () => new Promise<void>((resolve) => gates.push(resolve))
		const checks = ['a', 'b', 'c'].map((login) => throttle.guard(login, '192.0.2.7', slow))
		while (gates.length < 3) await Bun.sleep(1)
		// three checks under way fill the address's allowance, though none failed yet
		expect(throttle.knownClear('d', '192.0.2.7')).toBe(false)
		expect(throttle.knownClear('d', '192.0.2.8')).toBe(true)
		for (const open of gates) open()
		await Promise.all(checks)
		expect(throttle.knownClear('d', '192.0.2.7')).toBe(true)
	})
})
