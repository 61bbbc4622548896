/**
 * The framework's cache (FlaskSimpleAuth's FSA_CACHE): one store shared by the password
 * lookup, group checks, object permissions, token validations and revocations, in memory
 * (TTL or LRU, size-bounded) or in Redis so that several instances share it.
 */
import { RedisClient } from 'bun'

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

	async increment(key: string, windowSeconds: number): Promise<{ count: number; remainingMs: number }> {
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

/** A Redis store (Bun's client): values as JSON with a TTL; counters with INCR and PEXPIRE. */
export class RedisBackend implements CacheBackend {
	readonly client: RedisClient

	constructor(
		url: string,
		readonly ttlSeconds: number
	) {
		this.client = new RedisClient(url)
	}

	async get(key: string): Promise<unknown> {
		const text = await this.client.get(key)
		return text === null ? undefined : JSON.parse(text)
	}

	async set(key: string, value: unknown, ttlSeconds = this.ttlSeconds): Promise<void> {
		await this.client.set(key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlSeconds * 1000)))
	}

	async delete(key: string): Promise<boolean> {
		return (await this.client.del(key)) > 0
	}

	async keys(start: string): Promise<string[]> {
		const pattern = `${start.replace(/[*?[\]\\]/g, '\\$&')}*`
		const found: string[] = []
		let cursor = '0'
		do {
			const [next, batch] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
			found.push(...batch)
			cursor = next
		} while (cursor !== '0')
		return found
	}

	async clear(): Promise<void> {
		throw new Error('clear the cache of a shared Redis with deleteWhere and the cache prefix')
	}

	async increment(key: string, windowSeconds: number): Promise<{ count: number; remainingMs: number }> {
		const count = await this.client.incr(key)
		if (count === 1) await this.client.pexpire(key, Math.round(windowSeconds * 1000))
		const remainingMs = await this.client.pttl(key)
		return { count, remainingMs: remainingMs > 0 ? remainingMs : windowSeconds * 1000 }
	}

	async counter(key: string): Promise<{ count: number; remainingMs: number }> {
		const [text, remainingMs] = await Promise.all([this.client.get(key), this.client.pttl(key)])
		return { count: text === null ? 0 : Number(text), remainingMs: Math.max(0, remainingMs) }
	}
}

/** The cache as the framework uses it: a backend, the key scheme, and whether caching is on. */
export class Cache {
	readonly backend: CacheBackend

	constructor(readonly settings: CacheSettings) {
		this.backend =
			settings.kind === 'redis'
				? new RedisBackend(settings.url!, settings.ttlSeconds)
				: new MemoryBackend(settings.kind, settings.size, settings.ttlSeconds)
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
		return this.backend instanceof MemoryBackend ? this.backend.peek(key) : this.backend.get(key)
	}

	async set(key: string, value: unknown): Promise<void> {
		if (this.enabled) await this.backend.set(key, value)
	}

	delete(key: string): Promise<boolean> {
		return this.backend.delete(key)
	}

	/** Forget every cached entry under this cache's prefix. */
	async clear(): Promise<void> {
		if (this.backend instanceof MemoryBackend) return this.backend.clear()
		for (const key of await this.backend.keys(this.settings.prefix)) await this.backend.delete(key)
	}

	/** Entries held in memory (0 for Redis, which counts its own). */
	get size(): number {
		return this.backend instanceof MemoryBackend ? this.backend.entries : 0
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
		return count
	}
}
