/**
 * Brute-force throttling of password checks: too many failures for one login from one
 * address, or from one address across logins, within a window give 429 with Retry-After,
 * before any hashing, even for the right password, until the window passes. Counters live in
 * the cache's backend: in memory, or in Redis to be shared by every instance.
 */
import { ErrorResponse } from '../errors'
import { MemoryBackend, type CacheBackend } from '../cache/cache'

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

	constructor(
		readonly settings: ThrottleSettings,
		readonly backend: CacheBackend,
		readonly prefix: string
	) {}

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
	clearNow(login: string, address: string): boolean | undefined {
		if (!this.settings.enabled) return true
		if (!(this.backend instanceof MemoryBackend)) return undefined
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
		if (await this.#admit(login, address)) this.#ended(address)
	}

	/**
	 * `check`, where the checks of the address under way count as failures; an admitted attempt
	 * is under way (true) until `#ended`.
	 */
	async #admit(login: string, address: string): Promise<boolean> {
		if (!this.settings.enabled) return false
		const addressKey = this.#addressKey(address)
		const [byLogin, byAddress] = await Promise.all([
			this.backend.counter(this.#loginKey(login, address)),
			this.backend.counter(addressKey)
		])
		const pending = this.#pending.get(addressKey) ?? 0
		if (byLogin.count >= this.settings.perLogin) this.#refuse(byLogin.remainingMs)
		if (byAddress.count + pending >= this.settings.perAddress) this.#refuse(byAddress.remainingMs)
		this.#pending.set(addressKey, pending + 1)
		this.#pendingTotal++
		return true
	}

	#ended(address: string): void {
		const key = this.#addressKey(address)
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
				this.#ended(address)
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
		await Promise.all([
			this.backend.increment(this.#loginKey(login, address), windowSeconds),
			this.backend.increment(this.#addressKey(address), windowSeconds)
		])
	}

	/** A successful check forgets the failures of this login from this address. */
	async succeeded(login: string, address: string): Promise<void> {
		if (this.settings.enabled) await this.backend.delete(this.#loginKey(login, address))
	}
}
