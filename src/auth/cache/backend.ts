/**
 * What a cache backend answers: values with a lifetime, and counters that live for a window.
 * The memory backend and Redis (with memory in front of it) both answer it.
 */
import type { MaybePromise } from '../types'

/**
 * Where cached values live; every method answers with a promise so that Redis can serve it, but
 * `increment`, which memory answers at once: a rate-limited API key counts every request.
 */
export interface CacheBackend {
	get(key: string): Promise<unknown>
	/** Store a value for `ttlSeconds` (the backend's default when undefined). */
	set(key: string, value: unknown, ttlSeconds?: number): Promise<void>
	delete(key: string): Promise<boolean>
	/** Every key starting with `start`. */
	keys(start: string): Promise<string[]>
	clear(): Promise<void>
	/** Count one more event under `key`; the count lives `windowSeconds` from the first. */
	increment(key: string, windowSeconds: number): MaybePromise<{ count: number; remainingMs: number }>
	/** The current count of `key` and how long it still lives. */
	counter(key: string): Promise<{ count: number; remainingMs: number }>
	/** Count one event less under `key` (an event that ended); the new count. */
	decrement(key: string): Promise<number>
}
