/**
 * The memory backend (FSA_CACHE = "ttl", "lru" or "none"): a size-bounded Map of entries, each
 * with its expiry; also the memory each instance keeps in front of Redis.
 */
import type { CacheBackend } from './backend'

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

	/** Counted at once, without a promise: the hot path of a rate-limited API key. */
	increment(key: string, windowSeconds: number): { count: number; remainingMs: number } {
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
