/**
 * Password verification for the basic and param schemes: the stored hash, the alternate
 * check (`password_check`), the throttle against guessing, and the memory of credentials
 * already verified, which answers at once without hashing.
 */
import type { Settings } from '../config/settings'
import { ErrorResponse } from '../errors'
import type { AppHooks } from '../hooks'
import type { Cache } from '../cache/cache'
import type { UserFacts } from '../users'
import type { PasswordManager } from './passwords'
import type { Throttle } from './throttle'
import type { MaybePromise } from '../types'

export class Credentials {
	/** Keys the verified-credentials entries: they hold a keyed hash, never a password. */
	readonly #hmac = new Bun.CryptoHasher('sha256', crypto.getRandomValues(new Uint8Array(32)))

	constructor(
		readonly settings: Settings,
		readonly hooks: AppHooks,
		readonly users: UserFacts,
		readonly cache: Cache,
		readonly throttle: Throttle,
		readonly passwords: PasswordManager
	) {}

	/**
	 * Check a login and password; throws 401 when they do not match, 429 when this login or
	 * address failed too often (checked before any hashing). Answers at once when memory holds
	 * these very credentials as verified, for the user's current version and stored hash, and
	 * nothing throttles the login: neither hashing nor waiting behind the login's other checks,
	 * which only guessing needs.
	 * @param address the client's address, for throttling
	 */
	check(login: string, password: string, address = 'unknown'): MaybePromise<void> {
		if (!this.#mayRemember(login, address)) return this.#guarded(login, password, address)
		let version: unknown
		try {
			version = this.users.version(login)
		} catch (error) {
			// a failure is never an answer at once: it comes as the long way's would
			return Promise.reject(error)
		}
		if (version instanceof Promise)
			return version.then((known) =>
				this.#verifiedInMemory(login, known, password)
					? undefined
					: this.#guarded(login, password, address)
			)
		if (this.#verifiedInMemory(login, version, password)) return
		return this.#guarded(login, password, address)
	}

	/** Whether memory may know a login's credentials: cached, and nothing throttles the login. */
	#mayRemember(login: string, address: string): boolean {
		if (!this.hooks.getUserPass || !this.settings.passwordCache || !this.cache.enabled) return false
		return this.throttle.knownClear(login, address) === true
	}

	#key(login: string, version: unknown, password: string, stored: string): string {
		// a copy of the keyed HMAC: the key is set up once
		const digest = this.#hmac.copy().update(`${login}\0${password}\0${stored}`).digest('base64url')
		return this.cache.key('v', login, version, digest)
	}

	/** Whether memory holds the credentials as verified against the user's stored hash. */
	#verifiedInMemory(login: string, version: unknown, password: string): boolean {
		const stored = this.cache.peek(this.cache.key('u', login, version))
		if (typeof stored !== 'string' || stored === '') return false
		return this.cache.peek(this.#key(login, version, password, stored)) === true
	}

	#guarded(login: string, password: string, address: string): Promise<void> {
		return this.throttle.guard(login, address, () => this.#verify(login, password))
	}

	async #verify(login: string, password: string): Promise<void> {
		const version = await this.users.version(login)
		const stored = await this.users.storedHash(login, version)
		if (stored === null || stored === undefined || stored === '') {
			if (await this.#alternate(login, password)) return
			await this.passwords.verifyNothing(password)
			throw new ErrorResponse('invalid user or password', 401)
		}
		if (typeof stored !== 'string')
			throw new ErrorResponse('internal error with get_user_pass', this.settings.serverError)
		const remember = this.settings.passwordCache && this.cache.enabled
		const key = remember ? this.#key(login, version, password, stored) : ''
		if (remember && (await this.cache.get(key)) === true) return
		if (!(await this.passwords.verify(password, stored))) {
			if (await this.#alternate(login, password)) return
			throw new ErrorResponse('invalid user or password', 401)
		}
		if (remember) await this.cache.set(key, true)
	}

	/** The alternate password check; its failures count as a mismatch, its ErrorResponses pass. */
	async #alternate(login: string, password: string): Promise<boolean> {
		const hook = this.hooks.passwordCheck
		if (!hook) return false
		try {
			return (await hook(login, password)) === true
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error('password_check failed:', error)
			return false
		}
	}
}
