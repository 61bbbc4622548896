/**
 * Brute-force throttling of password checks: too many failures for one login from one
 * address, or from one address across logins, within a window give 429 with Retry-After,
 * before any hashing, even for the right password, until the window passes.
 */
import { ErrorResponse } from './errors'

export interface ThrottleSettings {
	enabled: boolean
	windowSeconds: number
	/** Failures allowed for one login from one address within the window. */
	perLogin: number
	/** Failures allowed from one address within the window, across logins. */
	perAddress: number
	/** Most counters kept; the oldest are forgotten first. */
	size: number
}

interface Counter {
	failures: number
	/** When the window of this counter ends, in milliseconds since the epoch. */
	until: number
}

export class Throttle {
	readonly #counters = new Map<string, Counter>()

	constructor(readonly settings: ThrottleSettings) {}

	#live(key: string, now: number): Counter | undefined {
		const counter = this.#counters.get(key)
		if (counter && counter.until <= now) {
			this.#counters.delete(key)
			return undefined
		}
		return counter
	}

	#refuse(counter: Counter, now: number): never {
		const seconds = Math.max(1, Math.ceil((counter.until - now) / 1000))
		throw new ErrorResponse('too many failed authentication attempts, retry later', 429, {
			'retry-after': String(seconds)
		})
	}

	/** Refuse (429) a login attempt from an address over its limits. */
	check(login: string, address: string): void {
		if (!this.settings.enabled) return
		const now = Date.now()
		const byLogin = this.#live(`l:${address}\0${login}`, now)
		if (byLogin && byLogin.failures >= this.settings.perLogin) this.#refuse(byLogin, now)
		const byAddress = this.#live(`a:${address}`, now)
		if (byAddress && byAddress.failures >= this.settings.perAddress) this.#refuse(byAddress, now)
	}

	#count(key: string, now: number): void {
		const counter = this.#live(key, now)
		if (counter) counter.failures++
		else {
			this.#counters.set(key, { failures: 1, until: now + this.settings.windowSeconds * 1000 })
			while (this.#counters.size > this.settings.size)
				this.#counters.delete(this.#counters.keys().next().value!)
		}
	}

	/** Count a failed password check. */
	failed(login: string, address: string): void {
		if (!this.settings.enabled) return
		const now = Date.now()
		this.#count(`l:${address}\0${login}`, now)
		this.#count(`a:${address}`, now)
	}

	/** A successful check forgets the failures of this login from this address. */
	succeeded(login: string, address: string): void {
		if (this.settings.enabled) this.#counters.delete(`l:${address}\0${login}`)
	}

	clear(): void {
		this.#counters.clear()
	}
}
