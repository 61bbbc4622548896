/**
 * What the framework knows of a user through the application's hooks: the user's version, part
 * of the key of every cached fact about the user, the stored password hash, and whether the
 * user exists at all.
 */
import { ErrorResponse } from './errors'
import { callHook, hookFailed, type AppHooks } from './hooks'
import { UNKNOWN, type Cache } from './cache/cache'
import type { MaybePromise } from './types'
import { remember } from './cache/memo'

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

	/** The memory keys of user versions, made once per login. */
	readonly #versionKeys = new Map<string, string>()

	#versionKey(login: string): string {
		return this.#versionKeys.get(login) ?? remember(this.#versionKeys, login, this.cache.key('V', login))
	}

	/**
	 * The user's version (`userVersion` hook), null without the hook or for no such user;
	 * answered at once when the hook answers at once. With Redis, versions are kept in memory:
	 * a change is told to every instance by `forgetVersion`.
	 */
	version(login: string): MaybePromise<unknown> {
		const hook = this.hooks.userVersion
		if (hook === undefined) return null
		const near = this.cache.near
		if (near === undefined) return this.#askVersion(hook, login)
		const key = this.#versionKey(login)
		const held = near.peek(key)
		if (held !== UNKNOWN) return held
		const ticket = near.ticket()
		const answer = this.#askVersion(hook, login)
		if (!(answer instanceof Promise)) {
			near.keep(key, answer, ticket)
			return answer
		}
		return answer.then((version) => {
			near.keep(key, version, ticket)
			return version
		})
	}

	/** Forget a user's version on every instance: the application changed it. */
	async forgetVersion(login: string): Promise<void> {
		await this.cache.near?.forget(this.#versionKey(login))
	}

	#askVersion(hook: NonNullable<AppHooks['userVersion']>, login: string): MaybePromise<unknown> {
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
		const near = this.cache.near
		if (near !== undefined && !this.#versionsAtOnce) {
			const held = near.peek(this.#versionKey(login))
			return held === UNKNOWN ? undefined : held
		}
		if (!this.#versionsAtOnce) return undefined
		try {
			const version = this.version(login)
			if (!(version instanceof Promise)) return version
			version.catch(() => undefined)
		} catch {
			// the checks that wait report it
		}
		return undefined
	}

	/** Whether a login is a user here, as the user version or get_user_pass hook tells (identity provider tokens). */
	async exists(login: string): Promise<boolean> {
		if (this.versioned) return (await this.version(login)) !== null
		const hook = this.hooks.getUserPass
		if (hook === undefined)
			throw new ErrorResponse(
				'FSA_TOKEN_ISSUERS: a get_user_pass or user_version hook must tell which users exist (or set local_users = false)',
				this.serverError
			)
		const stored = await callHook('get_user_pass', this.serverError, () => hook(login))
		return stored !== null && stored !== undefined
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
