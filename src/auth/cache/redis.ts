/**
 * The Redis backend (FSA_CACHE = "redis"): values and counters shared by every instance, on a
 * connection managed here so that an unreachable or hanging Redis answers 503 at once.
 */
import { DeadlineExceeded, serverAddress, withDeadline } from '../deadline'
import { RedisClient } from 'bun'
import { ErrorResponse } from '../errors'
import type { CacheBackend } from './backend'

/**
 * How long a request waits for Redis (to connect, or for one command) before it answers 503;
 * Redis on loopback or a LAN answers within a millisecond.
 */
export const REDIS_TIMEOUT_MS = 500
/** While Redis is down, one connection attempt at most this often; other requests fail at once. */
const REDIS_RETRY_MS = 250

/**
 * A Redis store (Bun's client): values as JSON with a TTL; counters with INCR and PEXPIRE.
 * The connection is managed here rather than by the client's own reconnection, whose offline
 * queue holds commands for as long as Redis is down: a command fails with a 503 at once while
 * Redis is unreachable and after REDIS_TIMEOUT_MS when it hangs, the next request after
 * REDIS_RETRY_MS reconnects, and the change of state is logged once each way on stderr.
 */
export class RedisBackend implements CacheBackend {
	readonly client: RedisClient
	/** host:port, for the log. */
	readonly address: string
	#connecting: Promise<void> | undefined
	#retryAt = 0
	#down = false

	constructor(
		url: string,
		readonly ttlSeconds: number
	) {
		this.client = new RedisClient(url, {
			connectionTimeout: REDIS_TIMEOUT_MS,
			autoReconnect: false,
			enableOfflineQueue: false
		})
		this.address = serverAddress(url, 6379)
	}

	/** Connect when not connected: one attempt at a time, none within REDIS_RETRY_MS of a failure. */
	#connect(): Promise<void> {
		if (this.#connecting) return this.#connecting
		if (Date.now() < this.#retryAt) return Promise.reject(new Error('unreachable'))
		this.#connecting = withDeadline(this.client.connect(), REDIS_TIMEOUT_MS)
			.catch((error: unknown) => {
				this.#retryAt = Date.now() + REDIS_RETRY_MS
				this.client.close()
				throw error
			})
			.finally(() => (this.#connecting = undefined))
		return this.#connecting
	}

	/** Run a command on a live connection; Redis down or hanging becomes a 503. */
	async run<T>(command: () => Promise<T>): Promise<T> {
		try {
			if (!this.client.connected) await this.#connect()
			const result = await withDeadline(command(), REDIS_TIMEOUT_MS)
			if (this.#down) {
				this.#down = false
				console.error(`cache: redis at ${this.address} answers again`)
			}
			return result
		} catch (error) {
			const code = (error as { code?: unknown }).code
			const lost =
				error instanceof DeadlineExceeded ||
				!this.client.connected ||
				(typeof code === 'string' && code.startsWith('ERR_REDIS_CONNECTION'))
			if (!lost) throw error
			// a hanging connection is dropped: the next command reconnects
			if (error instanceof DeadlineExceeded) this.client.close()
			if (!this.#down) {
				this.#down = true
				const reason = error instanceof Error ? error.message : String(error)
				console.error(
					`cache: redis at ${this.address} unavailable (${reason}): requests that need it answer 503 until it answers`
				)
			}
			throw new ErrorResponse('cache unavailable', 503, { 'retry-after': '1' })
		}
	}

	/** Check that Redis answers; a 503 ErrorResponse when it does not. */
	async ping(): Promise<void> {
		await this.run(() => this.client.send('PING', []))
	}

	async get(key: string): Promise<unknown> {
		const text = await this.run(() => this.client.get(key))
		return text === null ? undefined : JSON.parse(text)
	}

	async set(key: string, value: unknown, ttlSeconds = this.ttlSeconds): Promise<void> {
		await this.run(() =>
			this.client.set(key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlSeconds * 1000)))
		)
	}

	async delete(key: string): Promise<boolean> {
		return (await this.run(() => this.client.del(key))) > 0
	}

	async keys(start: string): Promise<string[]> {
		const pattern = `${start.replace(/[*?[\]\\]/g, '\\$&')}*`
		const found: string[] = []
		let cursor = '0'
		do {
			const [next, batch] = await this.run(() =>
				this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
			)
			found.push(...batch)
			cursor = next
		} while (cursor !== '0')
		return found
	}

	async clear(): Promise<void> {
		throw new Error('clear the cache of a shared Redis with deleteWhere and the cache prefix')
	}

	async increment(key: string, windowSeconds: number): Promise<{ count: number; remainingMs: number }> {
		const count = await this.run(() => this.client.incr(key))
		if (count === 1) await this.run(() => this.client.pexpire(key, Math.round(windowSeconds * 1000)))
		const remainingMs = await this.run(() => this.client.pttl(key))
		return { count, remainingMs: remainingMs > 0 ? remainingMs : windowSeconds * 1000 }
	}

	async counter(key: string): Promise<{ count: number; remainingMs: number }> {
		const [text, remainingMs] = await Promise.all([
			this.run(() => this.client.get(key)),
			this.run(() => this.client.pttl(key))
		])
		return { count: text === null ? 0 : Number(text), remainingMs: Math.max(0, remainingMs) }
	}

	async decrement(key: string): Promise<number> {
		return this.run(() => this.client.decr(key))
	}
}
