/**
 * The framework's cache (FlaskSimpleAuth's FSA_CACHE): one size-bounded store shared by the
 * password lookup, group checks, object permissions and token validations, with TTL or LRU
 * eviction, and the uncache API.
 */

export type CacheKind = 'ttl' | 'lru' | 'none'

export interface CacheSettings {
	kind: CacheKind
	/** Most entries kept. */
	size: number
	/** Seconds an entry lives (ttl kind). */
	ttlSeconds: number
	prefix: string
}

interface Entry {
	value: unknown
	/** Milliseconds since the epoch; Infinity for LRU entries. */
	expires: number
}

/** A Map-backed cache: insertion order gives the eviction order, refreshed on hits for LRU. */
export class Cache {
	readonly #entries = new Map<string, Entry>()
	#hits = 0
	#misses = 0

	constructor(readonly settings: CacheSettings) {}

	get enabled(): boolean {
		return this.settings.kind !== 'none'
	}

	get(key: string): unknown {
		const entry = this.#entries.get(key)
		if (entry === undefined) {
			this.#misses++
			return undefined
		}
		if (entry.expires <= Date.now()) {
			this.#entries.delete(key)
			this.#misses++
			return undefined
		}
		if (this.settings.kind === 'lru') {
			this.#entries.delete(key)
			this.#entries.set(key, entry)
		}
		this.#hits++
		return entry.value
	}

	set(key: string, value: unknown): void {
		if (!this.enabled) return
		this.#entries.delete(key)
		const expires = this.settings.kind === 'ttl' ? Date.now() + this.settings.ttlSeconds * 1000 : Infinity
		this.#entries.set(key, { value, expires })
		while (this.#entries.size > this.settings.size)
			this.#entries.delete(this.#entries.keys().next().value!)
	}

	delete(key: string): boolean {
		return this.#entries.delete(key)
	}

	clear(): void {
		this.#entries.clear()
	}

	get size(): number {
		return this.#entries.size
	}

	stats(): { hits: number; misses: number; size: number } {
		return { hits: this.#hits, misses: this.#misses, size: this.#entries.size }
	}

	/** The key of a cached call: the prefix, a one-letter kind (FlaskSimpleAuth's), the arguments. */
	key(kind: string, ...parts: unknown[]): string {
		return `${this.settings.prefix}${kind}.${JSON.stringify(parts)}`
	}

	/**
	 * Remove the entries of a kind keyed `[user, version, ...rest]`, whatever the version;
	 * with `rest`, only those whose remaining parts equal it. Returns how many.
	 */
	deleteUserEntries(kind: string, user: string, rest?: unknown[]): number {
		const kindPrefix = `${this.settings.prefix}${kind}.`
		const start = `${kindPrefix}${JSON.stringify([user]).slice(0, -1)},`
		const wanted = rest === undefined ? undefined : JSON.stringify(rest)
		let count = 0
		for (const key of this.#entries.keys()) {
			if (!key.startsWith(start)) continue
			const parts = JSON.parse(key.slice(kindPrefix.length)) as unknown[]
			if (wanted !== undefined && JSON.stringify(parts.slice(2)) !== wanted) continue
			this.#entries.delete(key)
			count++
		}
		return count
	}
}
