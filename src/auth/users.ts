/**
 * What the framework knows of a user through the application's hooks: the user's version, part
 * of the key of every cached fact about the user, and the stored password hash.
 */
import { ErrorResponse } from './errors'
import { callHook, hookFailed, type AppHooks } from './hooks'
import type { Cache } from './cache/cache'
import type { MaybePromise } from './types'

export class UserFacts {
	/**
	 * Whether the version hook answered at once so far: an engine that waits (PostgreSQL) is
	 * asked only by the checks that wait anyway, never twice for one request.
	 */
	#versionsAtOnce = true

	constructor(
		readonly hooks: AppHooks,
		readonly cache: Cache,
		readonly serverError: number
	) {}

	/** Whether a user version hook is registered. */
	get versioned(): boolean {
		return this.hooks.userVersion !== undefined
	}

	/**
	 * The user's version (`userVersion` hook), null without the hook or for no such user;
	 * answered at once when the hook answers at once.
	 */
	version(login: string): MaybePromise<unknown> {
		const hook = this.hooks.userVersion
		if (hook === undefined) return null
		// called directly, not through callHook's closure: this is asked on every request
		let answer: MaybePromise<string | number | null | undefined>
		try {
			answer = hook(login)
		} catch (error) {
			return hookFailed('user_version', this.serverError, error)
		}
		if (answer instanceof Promise) {
			this.#versionsAtOnce = false
			return answer.then(
				(version) => version ?? null,
				(error) => hookFailed('user_version', this.serverError, error)
			)
		}
		return answer ?? null
	}

	/**
	 * The user's version when it is known without waiting: undefined when the hook waits (its
	 * answer is then left to the checks that wait) or fails (they report it).
	 */
	versionAtOnce(login: string): unknown {
		const hook = this.hooks.userVersion
		if (hook === undefined) return null
		if (!this.#versionsAtOnce) return undefined
		let answer: MaybePromise<string | number | null | undefined>
		try {
			answer = hook(login)
		} catch {
			// the checks that wait report it
			return undefined
		}
		if (answer instanceof Promise) {
			this.#versionsAtOnce = false
			answer.catch(() => undefined)
			return undefined
		}
		return answer ?? null
	}

	/** The stored hash of a login; found hashes are cached, unknown users are not (they may be created). */
	async storedHash(login: string, version: unknown): Promise<unknown> {
		const getUserPass = this.hooks.getUserPass
		if (!getUserPass)
			throw new ErrorResponse('no get_user_pass hook for password authentication', this.serverError)
		const key = this.cache.key('u', login, version)
		const cached = await this.cache.get(key)
		if (cached !== undefined) return cached
		const stored = await callHook('get_user_pass', this.serverError, () => getUserPass(login))
		if (typeof stored === 'string' && stored !== '') await this.cache.set(key, stored)
		return stored
	}
}
