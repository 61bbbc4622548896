/**
 * The framework's cache (FlaskSimpleAuth's FSA_CACHE): one store shared by the password
 * lookup, group checks, object permissions, token validations and revocations, in memory
 * (TTL or LRU, size-bounded) or in Redis so that several instances share it. This is the facade;
 * the backends are in memory.ts, redis.ts and near.ts (memory in front of Redis).
 */
import { NearCache, UNKNOWN } from './near'
import { MemoryBackend } from './memory'
import { RedisBackend } from './redis'

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
