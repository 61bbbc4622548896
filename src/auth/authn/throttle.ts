/**
 * Brute-force throttling of password checks: too many failures for one login from one
 * address, or from one address across logins, within a window give 429 with Retry-After,
 * before any hashing, even for the right password, until the window passes. Counters live in
 * the cache's backend: in memory, or in Redis to be shared by every instance. With Redis, the
 * checks under way are counted there too, and each failure is told to every instance, so that
 * a login with no failure anywhere is known to be clear without asking Redis.
 */
import { ErrorResponse } from '../errors'
import type { CacheBackend } from '../cache/backend'
import { MemoryBackend } from '../cache/memory'
import type { NearCache } from '../cache/near'
import { remember } from '../cache/memo'

export interface ThrottleSettings {
	enabled: boolean
	windowSeconds: number
	/** Failures allowed for one login from one address within the window. */
	perLogin: number
	/** Failures allowed from one address within the window, across logins. */
	perAddress: number
}

export class Throttle {
	/** Password checks under way, per address key: they count as failures until they end. */
	readonly #pending = new Map<string, number>()
	/** Password checks under way, over every address. */
	#pendingTotal = 0
	/** When a failure was last counted (ms since the epoch); the memory backend holds no other. */
	#lastFailure = -Infinity
	/** The last password check queued, per login key: one login from one address is checked at a time. */
	readonly #queues = new Map<string, Promise<void>>()
	/** Redis: failures of a login or address key heard of from every instance, in the window since the first. */
	readonly #failures = new Map<string, { count: number; since: number }>()

	constructor(
		readonly settings: ThrottleSettings,
		readonly backend: CacheBackend,
		readonly prefix: string,
		/** Redis: where failures are told to every instance. */
		readonly near?: NearCache
	) {
		near?.onNote((kind, payload) => {
			if (kind === 'f') for (const key of JSON.parse(payload) as string[]) this.#failed(key)
		})
	}

	#failed(key: string): void {
		const heard = this.#heardFailures(key)
		if (heard > 0) this.#failures.get(key)!.count++
		else {
			remember(this.#failures, key, { count: 1, since: Date.now() })
		}
	}

	/** How many failures of a key were heard of within its window. */
	#heardFailures(key: string): number {
		const heard = this.#failures.get(key)
		if (heard === undefined) return 0
		// a little longer than Redis keeps the counter: never clear before it is
		if (Date.now() - heard.since <= this.settings.windowSeconds * 1000 + 1000) return heard.count
		this.#failures.delete(key)
		return 0
	}

	/** Redis: the key counting the checks under way of an address (or of a login from it). */
	#pendingKey(key: string): string {
		return `${this.prefix}zp.${key.slice(this.prefix.length + 2)}`
	}

	#loginKey(login: string, address: string): string {
		return `${this.prefix}z.${JSON.stringify([address, login])}`
	}

	#addressKey(address: string): string {
		return `${this.prefix}z.${JSON.stringify([address])}`
	}

	#refuse(remainingMs: number): never {
		throw new ErrorResponse('too many failed authentication attempts, retry later', 429, {
			'retry-after': String(Math.max(1, Math.ceil(remainingMs / 1000)))
		})
	}

	/**
	 * Whether memory says at once that a login from an address is clear: no failure of it
	 * counted, and the address under its limit; undefined when the backend must be asked.
	 */
	knownClear(login: string, address: string): boolean | undefined {
		if (!this.settings.enabled) return true
		if (!(this.backend instanceof MemoryBackend)) {
			// Redis: every failure is heard of within the staleness bound while memory is trusted
			if (this.near === undefined || !this.near.trusted) return undefined
			if (this.#pendingTotal >= this.settings.perAddress) return undefined
			if (this.#heardFailures(this.#loginKey(login, address)) > 0) return undefined
			const byAddress = this.#heardFailures(this.#addressKey(address))
			return byAddress + (this.#pending.get(this.#addressKey(address)) ?? 0) < this.settings.perAddress
				? true
				: undefined
		}
		// no failure within the window: every counter has expired, only checks under way count
		const quiet = Date.now() - this.#lastFailure > this.settings.windowSeconds * 1000
		if (quiet && this.#pendingTotal < this.settings.perAddress) return true
		if (((this.backend.peek(this.#loginKey(login, address)) as number | undefined) ?? 0) > 0) return false
		const addressKey = this.#addressKey(address)
		const byAddress = (this.backend.peek(addressKey) as number | undefined) ?? 0
		return byAddress + (this.#pending.get(addressKey) ?? 0) < this.settings.perAddress
	}

	/** Refuse (429) a login attempt from an address over its limits. */
	async check(login: string, address: string): Promise<void> {
		if (await this.#admit(login, address)) await this.#ended(login, address)
	}

	/**
	 * `check`, where the checks of the address under way count as failures; an admitted attempt
	 * is under way (true) until `#ended`.
	 */
	async #admit(login: string, address: string): Promise<boolean> {
		if (!this.settings.enabled) return false
		const addressKey = this.#addressKey(address)
		const loginKey = this.#loginKey(login, address)
		if (!(this.backend instanceof MemoryBackend)) return this.#admitShared(loginKey, addressKey)
		const [byLogin, byAddress] = await Promise.all([
			this.backend.counter(loginKey),
			this.backend.counter(addressKey)
		])
		const pending = this.#pending.get(addressKey) ?? 0
		if (byLogin.count >= this.settings.perLogin) this.#refuse(byLogin.remainingMs)
		if (byAddress.count + pending >= this.settings.perAddress) this.#refuse(byAddress.remainingMs)
		this.#pending.set(addressKey, pending + 1)
		this.#pendingTotal++
		return true
	}

	/**
	 * Redis: the checks under way on every instance count as failures, so that parallel guesses
	 * spread over instances cannot all pass before the first failure is counted.
	 */
	async #admitShared(loginKey: string, addressKey: string): Promise<boolean> {
		const { windowSeconds, perLogin, perAddress } = this.settings
		const [byLogin, byAddress, loginPending, addressPending] = await Promise.all([
			this.backend.counter(loginKey),
			this.backend.counter(addressKey),
			this.backend.increment(this.#pendingKey(loginKey), windowSeconds),
			this.backend.increment(this.#pendingKey(addressKey), windowSeconds)
		])
		this.#pending.set(addressKey, (this.#pending.get(addressKey) ?? 0) + 1)
		this.#pendingTotal++
		// the counts include this check
		const over =
			byLogin.count + loginPending.count - 1 >= perLogin
				? byLogin.remainingMs || windowSeconds * 1000
				: byAddress.count + addressPending.count - 1 >= perAddress
					? byAddress.remainingMs || windowSeconds * 1000
					: 0
		if (over > 0) {
			await this.#endedShared(loginKey, addressKey)
			this.#refuse(over)
		}
		return true
	}

	async #endedShared(loginKey: string, addressKey: string): Promise<void> {
		this.#endedHere(addressKey)
		await Promise.all([
			this.backend.decrement(this.#pendingKey(loginKey)),
			this.backend.decrement(this.#pendingKey(addressKey))
		]).catch(() => undefined) // Redis gone: the counts expire with the window
	}

	#ended(login: string, address: string): Promise<void> | void {
		if (!(this.backend instanceof MemoryBackend))
			return this.#endedShared(this.#loginKey(login, address), this.#addressKey(address))
		this.#endedHere(this.#addressKey(address))
	}

	#endedHere(key: string): void {
		this.#pendingTotal--
		const pending = (this.#pending.get(key) ?? 0) - 1
		if (pending > 0) this.#pending.set(key, pending)
		else this.#pending.delete(key)
	}

	/**
	 * Run a password check under the throttle: after the checks of the same login from the same
	 * address still under way, so that parallel guesses cannot all pass `check` before the first
	 * failure is counted; a 401 of `verify` counts as a failure, success forgets the login's.
	 */
	async guard(login: string, address: string, verify: () => Promise<void>): Promise<void> {
		if (!this.settings.enabled) return verify()
		const loginKey = this.#loginKey(login, address)
		const previous = this.#queues.get(loginKey)
		let done!: () => void
		const current = new Promise<void>((resolve) => (done = resolve))
		this.#queues.set(loginKey, current)
		try {
			await previous
			await this.#admit(login, address)
			try {
				await verify()
			} catch (error) {
				if (error instanceof ErrorResponse && error.status === 401) await this.failed(login, address)
				throw error
			} finally {
				await this.#ended(login, address)
			}
			await this.succeeded(login, address)
		} finally {
			done()
			if (this.#queues.get(loginKey) === current) this.#queues.delete(loginKey)
		}
	}

	/** Count a failed password check. */
	async failed(login: string, address: string): Promise<void> {
		if (!this.settings.enabled) return
		const { windowSeconds } = this.settings
		this.#lastFailure = Date.now()
		const keys = [this.#loginKey(login, address), this.#addressKey(address)]
		for (const key of keys) this.#failed(key)
		// memory counts at once, Redis with a promise: Promise.all takes either
		await Promise.all([
			this.backend.increment(keys[0], windowSeconds),
			this.backend.increment(keys[1], windowSeconds),
			this.near?.notify('f', JSON.stringify(keys))
		])
	}

	/** A successful check forgets the failures of this login from this address. */
	async succeeded(login: string, address: string): Promise<void> {
		if (!this.settings.enabled) return
		const key = this.#loginKey(login, address)
		// other instances still ask Redis for this login until the window passes: never too late
		this.#failures.delete(key)
		await this.backend.delete(key)
	}
}
