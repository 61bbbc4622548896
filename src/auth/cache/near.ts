/**
 * FSA_CACHE = "redis" with memory in front: each instance keeps what it read from Redis (and
 * what it learnt from the application's hooks, such as user versions) in local memory, and
 * Redis pub/sub tells every instance what changed. Memory is trusted only while this
 * instance's own heartbeat comes back through its subscription within TRUST_MS: a change
 * published anywhere is then applied here within STALENESS_MS. A lost or silent subscription
 * clears memory, and every read goes to Redis (a 503 at once while Redis is down) until the
 * heartbeat is heard again.
 */
import { RedisClient } from 'bun'
import type { CacheBackend } from './backend'
import { MemoryBackend } from './memory'
import { REDIS_TIMEOUT_MS, type RedisBackend } from './redis'

/** What memory cannot answer: ask Redis (or the hook). */
export const UNKNOWN: unique symbol = Symbol('unknown')
/** Memory holds that Redis has no such key. */
const ABSENT: unique symbol = Symbol('absent')

/** Longest time a change made on another instance goes unseen here (the documented bound). */
export const STALENESS_MS = 100
/** How often each instance sends itself a heartbeat through Redis. */
const HEARTBEAT_MS = 20
/** Memory is trusted while the last heartbeat heard back was sent less than this long ago. */
const TRUST_MS = 75
/** After a lost subscription, one attempt to subscribe again at most this often. */
const RESUBSCRIBE_MS = 250

export type NoteListener = (kind: string, payload: string) => void

export class NearCache implements CacheBackend {
	readonly #memory: MemoryBackend
	/** Moves on every change heard and every clear: a read that raced one is not kept. */
	#generation = 0
	/** When the last heartbeat heard back was sent (performance.now() of this process). */
	#heardAt = -Infinity
	#subscriber: RedisClient | undefined
	#heartbeat: ReturnType<typeof setInterval> | undefined
	#retry: ReturnType<typeof setTimeout> | undefined
	/** No attempt to subscribe before this (performance.now()): one every RESUBSCRIBE_MS while Redis is away. */
	#retryAt = 0
	#closed = false
	readonly #id = crypto.randomUUID()
	readonly #channel: string
	readonly #listeners: NoteListener[] = []

	constructor(
		readonly redis: RedisBackend,
		readonly url: string,
		prefix: string,
		size: number,
		ttlSeconds: number
	) {
		this.#memory = new MemoryBackend('ttl', size, ttlSeconds)
		this.#channel = `${prefix}changes`
	}

	/** Subscribe and start the heartbeat, once; memory is used from the first heartbeat heard. */
	start(): void {
		if (this.#subscriber !== undefined || this.#closed || performance.now() < this.#retryAt) return
		const subscriber = (this.#subscriber = new RedisClient(this.url, {
			connectionTimeout: REDIS_TIMEOUT_MS,
			autoReconnect: false,
			enableOfflineQueue: false
		}))
		subscriber.onclose = () => this.#lost(subscriber)
		subscriber
			.connect()
			.then(() =>
				subscriber.subscribe([this.#channel, `${this.#channel}:${this.#id}`], (message, channel) =>
					this.#heard(message, channel)
				)
			)
			.catch(() => this.#lost(subscriber))
		this.#heartbeat ??= setInterval(() => this.#beat(), HEARTBEAT_MS)
		this.#heartbeat.unref()
	}

	/** Stop listening (a command that ends, a test). */
	close(): void {
		this.#closed = true
		clearInterval(this.#heartbeat)
		clearTimeout(this.#retry)
		const subscriber = this.#subscriber
		this.#subscriber = undefined
		subscriber?.close()
		this.#forgetAll()
	}

	#lost(subscriber: RedisClient): void {
		if (this.#subscriber !== subscriber) return
		this.#subscriber = undefined
		subscriber.close()
		this.#heardAt = -Infinity
		this.#forgetAll()
		if (this.#closed) return
		this.#retryAt = performance.now() + RESUBSCRIBE_MS
		clearTimeout(this.#retry)
		this.#retry = setTimeout(() => this.start(), RESUBSCRIBE_MS)
		this.#retry.unref()
	}

	#beat(): void {
		const { client } = this.redis
		if (!client.connected || this.#subscriber === undefined) return
		client.publish(`${this.#channel}:${this.#id}`, String(performance.now())).catch(() => undefined)
	}

	#heard(message: string, channel: string): void {
		if (channel !== this.#channel) {
			this.#heardAt = Math.max(this.#heardAt, Number(message))
			return
		}
		const [kind, from, ...rest] = message.split(' ')
		if (from === this.#id) return
		const payload = rest.join(' ')
		if (kind === 'k') {
			this.#generation++
			this.#memory.forget(payload)
		} else if (kind === 'p') {
			this.#generation++
			this.#memory.forgetStarting(payload)
		} else for (const listener of this.#listeners) listener(kind, payload)
	}

	#forgetAll(): void {
		this.#generation++
		this.#memory.forgetStarting('')
	}

	/**
	 * Whether memory may answer: the subscription delivered, less than TRUST_MS ago, a
	 * heartbeat this instance sent. A late heartbeat (a busy instance, a paused Redis) only
	 * suspends memory: messages on a live connection arrive in order, so once it is heard every
	 * change published before it has been applied. A lost connection clears memory (`#lost`).
	 */
	get trusted(): boolean {
		if (this.#subscriber === undefined) this.start()
		return performance.now() - this.#heardAt < TRUST_MS
	}

	/** A value memory holds (undefined: Redis has none), or UNKNOWN. */
	peek(key: string): unknown {
		if (!this.trusted) return UNKNOWN
		const held = this.#memory.peek(key)
		return held === undefined ? UNKNOWN : held === ABSENT ? undefined : held
	}

	/** A mark to pass to `keep`: a change heard in between makes it refuse. */
	ticket(): number {
		return this.#generation
	}

	/** Keep a value in memory only (not in Redis), unless a change was heard since `ticket`. */
	keep(key: string, value: unknown, ticket: number, ttlSeconds?: number): void {
		if (!this.trusted || ticket !== this.#generation) return
		void this.#memory.set(key, value === undefined ? ABSENT : value, ttlSeconds)
	}

	/** Forget a key here and on every instance (a value of memory only, such as a user version). */
	async forget(key: string): Promise<void> {
		this.#generation++
		this.#memory.forget(key)
		await this.#publish('k', key)
	}

	/** Forget every key starting with `start`, here and on every instance. */
	async forgetStarting(start: string): Promise<void> {
		this.#forgetStartingHere(start)
		await this.#publish('p', start)
	}

	#forgetStartingHere(start: string): void {
		this.#generation++
		this.#memory.forgetStarting(start)
	}

	/** Tell every other instance something (a throttled failure): `onNote` listeners hear it. */
	notify(kind: string, payload: string): Promise<void> {
		return this.#publish(kind, payload)
	}

	onNote(listener: NoteListener): void {
		this.#listeners.push(listener)
	}

	async #publish(kind: string, payload: string): Promise<void> {
		await this.redis.run(() => this.redis.client.publish(this.#channel, `${kind} ${this.#id} ${payload}`))
	}

	async get(key: string): Promise<unknown> {
		const held = this.peek(key)
		if (held !== UNKNOWN) return held
		const ticket = this.#generation
		const value = await this.redis.get(key)
		this.keep(key, value, ticket)
		return value
	}

	async set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
		await this.redis.set(key, value, ttlSeconds)
		this.#generation++
		this.#memory.forget(key)
		await this.#publish('k', key)
		this.keep(key, value, this.#generation, ttlSeconds)
	}

	async delete(key: string): Promise<boolean> {
		const deleted = await this.redis.delete(key)
		await this.forget(key)
		return deleted
	}

	keys(start: string): Promise<string[]> {
		return this.redis.keys(start)
	}

	clear(): Promise<void> {
		return this.redis.clear()
	}

	increment(key: string, windowSeconds: number): Promise<{ count: number; remainingMs: number }> {
		return this.redis.increment(key, windowSeconds)
	}

	counter(key: string): Promise<{ count: number; remainingMs: number }> {
		return this.redis.counter(key)
	}

	decrement(key: string): Promise<number> {
		return this.redis.decrement(key)
	}

	/** Entries held in memory. */
	get entries(): number {
		return this.#memory.entries
	}
}
