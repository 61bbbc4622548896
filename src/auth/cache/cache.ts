/**
 * The framework's cache (FlaskSimpleAuth's FSA_CACHE): one store shared by the password
 * lookup, group checks, object permissions, token validations and revocations, in memory
 * (TTL or LRU, size-bounded) or in Redis so that several instances share it.
 */
import { DeadlineExceeded, withDeadline } from '../deadline'
import { RedisClient } from 'bun'
import { ErrorResponse } from '../errors'
import { NearCache, UNKNOWN } from './near'

export { UNKNOWN } from './near'

export type CacheKind = 'ttl' | 'lru' | 'none' | 'redis'

export interface CacheSettings {
	kind: CacheKind
	/** Most entries kept (memory kinds). */
	size: number
	/** Seconds an entry lives (ttl and redis kinds). */
	ttlSeconds: number
	prefix: string
	/** redis: the server's URL. */
	url?: string
}

/** Where cached values live; every method is asynchronous so that Redis can serve it. */
export interface CacheBackend {
	get(key: string): Promise<unknown>
	/** Store a value for `ttlSeconds` (the backend's default when undefined). */
	set(key: string, value: unknown, ttlSeconds?: number): Promise<void>
	delete(key: string): Promise<boolean>
	/** Every key starting with `start`. */
	keys(start: string): Promise<string[]>
	clear(): Promise<void>
	/** Count one more event under `key`; the count lives `windowSeconds` from the first. */
	increment(key: string, windowSeconds: number): Promise<{ count: number; remainingMs: number }>
	/** The current count of `key` and how long it still lives. */
	counter(key: string): Promise<{ count: number; remainingMs: number }>
	/** Count one event less under `key` (an event that ended); the new count. */
	decrement(key: string): Promise<number>
}

interface Entry {
	value: unknown
	/** Milliseconds since the epoch; Infinity for LRU entries. */
	expires: number
}

/** A Map-backed store: insertion order gives the eviction order, refreshed on hits for LRU. */
export class MemoryBackend implements CacheBackend {
	readonly #entries = new Map<string, Entry>()

	constructor(
		readonly kind: 'ttl' | 'lru' | 'none',
		readonly size: number,
		readonly ttlSeconds: number
	) {}

	#live(key: string): Entry | undefined {
		const entry = this.#entries.get(key)
		if (entry === undefined) return undefined
		if (entry.expires <= Date.now()) {
			this.#entries.delete(key)
			return undefined
		}
		return entry
	}

	#put(key: string, value: unknown, expires: number): void {
		this.#entries.delete(key)
		this.#entries.set(key, { value, expires })
		while (this.#entries.size > this.size) this.#entries.delete(this.#entries.keys().next().value!)
	}

	/** A value without waiting: the fast path of every cache hit in memory. */
	peek(key: string): unknown {
		const entry = this.#live(key)
		if (entry && this.kind === 'lru') {
			this.#entries.delete(key)
			this.#entries.set(key, entry)
		}
		return entry?.value
	}

	async get(key: string): Promise<unknown> {
		return this.peek(key)
	}

	async set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
		if (this.kind === 'none' && ttlSeconds === undefined) return
		const lifetime = ttlSeconds ?? (this.kind === 'ttl' ? this.ttlSeconds : Infinity)
		this.#put(key, value, Date.now() + lifetime * 1000)
	}

	async delete(key: string): Promise<boolean> {
		return this.#entries.delete(key)
	}

	async keys(start: string): Promise<string[]> {
		return [...this.#entries.keys()].filter((key) => key.startsWith(start))
	}

	async clear(): Promise<void> {
		this.#entries.clear()
	}

	/** Drop a key at once. */
	forget(key: string): void {
		this.#entries.delete(key)
	}

	/** Drop every key starting with `start` at once. */
	forgetStarting(start: string): void {
		if (start === '') return this.#entries.clear()
		for (const key of this.#entries.keys()) if (key.startsWith(start)) this.#entries.delete(key)
	}

	async decrement(key: string): Promise<number> {
		const entry = this.#live(key)
		if (entry === undefined) return 0
		entry.value = Math.max(0, (entry.value as number) - 1)
		return entry.value as number
	}

	async increment(key: string, windowSeconds: number): Promise<{ count: number; remainingMs: number }> {
		return this.incrementNow(key, windowSeconds)
	}

	/** `increment` without waiting: the hot path of a rate-limited API key. */
	incrementNow(key: string, windowSeconds: number): { count: number; remainingMs: number } {
		const now = Date.now()
		const entry = this.#live(key)
		if (entry) {
			entry.value = (entry.value as number) + 1
			return { count: entry.value as number, remainingMs: entry.expires - now }
		}
		this.#put(key, 1, now + windowSeconds * 1000)
		return { count: 1, remainingMs: windowSeconds * 1000 }
	}

	async counter(key: string): Promise<{ count: number; remainingMs: number }> {
		const entry = this.#live(key)
		return entry
			? { count: entry.value as number, remainingMs: entry.expires - Date.now() }
			: { count: 0, remainingMs: 0 }
	}

	get entries(): number {
		return this.#entries.size
	}
}

/**
 * How long a request waits for Redis (to connect, or for one command) before it answers 503;
 * Redis on loopback or a LAN answers within a millisecond.
 */
export const REDIS_TIMEOUT_MS = 500
/** While Redis is down, one connection attempt at most this often; other requests fail at once. */
const REDIS_RETRY_MS = 250

/** host:port of a Redis URL, for the log (never its password). */
function redisAddress(url: string): string {
	try {
		const { hostname, port } = new URL(url)
		return `${hostname}:${port || '6379'}`
	} catch {
		return 'the configured address'
	}
}

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
		this.address = redisAddress(url)
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

/** The cache as the framework uses it: a backend, the key scheme, and whether caching is on. */
export class Cache {
	readonly backend: MemoryBackend | NearCache

	constructor(readonly settings: CacheSettings) {
		this.backend =
			settings.kind === 'redis'
				? new NearCache(
						new RedisBackend(settings.url!, settings.ttlSeconds),
						settings.url!,
						settings.prefix,
						settings.size,
						settings.ttlSeconds
					)
				: new MemoryBackend(settings.kind, settings.size, settings.ttlSeconds)
	}

	/** Redis with memory in front (FSA_CACHE = "redis"), else undefined. */
	get near(): NearCache | undefined {
		return this.backend instanceof NearCache ? this.backend : undefined
	}

	/**
	 * A value memory holds without waiting (undefined: there is none), or UNKNOWN when only
	 * Redis can say: the fast path of every request whose facts have not changed.
	 */
	peek(key: string): unknown {
		if (!this.enabled) return UNKNOWN
		return this.backend.peek(key)
	}

	get enabled(): boolean {
		return this.settings.kind !== 'none'
	}

	get(key: string): Promise<unknown> {
		return this.enabled ? this.backend.get(key) : Promise.resolve(undefined)
	}

	/**
	 * A value of the backend, synchronously when it is in memory (no promise to wait for on
	 * the hot path), else a promise; `await` either.
	 */
	lookup(key: string): unknown {
		if (this.backend instanceof MemoryBackend) return this.backend.peek(key)
		const held = this.backend.peek(key)
		return held === UNKNOWN ? this.backend.get(key) : held
	}

	async set(key: string, value: unknown): Promise<void> {
		if (this.enabled) await this.backend.set(key, value)
	}

	delete(key: string): Promise<boolean> {
		return this.backend.delete(key)
	}

	/**
	 * Check that the backend answers (Redis); a 503 ErrorResponse when it does not. With Redis,
	 * also starts listening for changes, so that memory can answer.
	 */
	async check(): Promise<void> {
		if (!(this.backend instanceof NearCache)) return
		this.backend.start()
		await this.backend.redis.ping()
	}

	/** Stop listening for changes (Redis): what a command that ends calls. */
	close(): void {
		this.near?.close()
	}

	/** Forget every cached entry under this cache's prefix. */
	async clear(): Promise<void> {
		if (this.backend instanceof MemoryBackend) return this.backend.clear()
		const { redis } = this.backend
		for (const key of await redis.keys(this.settings.prefix)) await redis.delete(key)
		await this.backend.forgetStarting(this.settings.prefix)
	}

	/** Entries held in memory (for Redis, those of this instance's memory in front of it). */
	get size(): number {
		return this.backend.entries
	}

	/** The key of a cached call: the prefix, a one-letter kind (FlaskSimpleAuth's), the arguments. */
	key(kind: string, ...parts: unknown[]): string {
		return `${this.settings.prefix}${kind}.${JSON.stringify(parts)}`
	}

	/**
	 * Remove the entries of a kind keyed `[user, version, ...rest]`, whatever the version;
	 * with `rest`, only those whose remaining parts equal it. Returns how many.
	 */
	async deleteUserEntries(kind: string, user: string, rest?: unknown[]): Promise<number> {
		const kindPrefix = `${this.settings.prefix}${kind}.`
		const start = `${kindPrefix}${JSON.stringify([user]).slice(0, -1)},`
		const wanted = rest === undefined ? undefined : JSON.stringify(rest)
		let count = 0
		for (const key of await this.backend.keys(start)) {
			const parts = JSON.parse(key.slice(kindPrefix.length)) as unknown[]
			if (wanted !== undefined && JSON.stringify(parts.slice(2)) !== wanted) continue
			if (await this.backend.delete(key)) count++
		}
		// memory also holds what Redis does not (an absence it read): every instance forgets it all
		await this.near?.forgetStarting(start)
		return count
	}
}
