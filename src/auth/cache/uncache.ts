/**
 * FlaskSimpleAuth's uncache API: forget what the cache holds about a user, a token, a group
 * or an object permission, when the application changed it without a user version.
 */
import type { Cache } from './cache'
import type { TokenValidation } from '../tokens/validation'
import type { UserFacts } from '../users'

export class Uncache {
	constructor(
		readonly cache: Cache,
		readonly tokens: TokenValidation,
		readonly users: UserFacts,
		readonly realm: string
	) {}

	/**
	 * Forget a user's version, kept in memory with FSA_CACHE = "redis", on every instance: what
	 * the application calls once it changed the version (a password, group or deletion).
	 */
	versionUncache(user: string): Promise<void> {
		return this.users.forgetVersion(user)
	}

	/** Forget every cached entry (FlaskSimpleAuth's `clear_caches`). */
	clearCaches(): Promise<void> {
		return this.cache.clear()
	}

	/** Forget a user's cached password hash and verified credentials. */
	async passwordUncache(user: string): Promise<boolean> {
		return (
			(await this.cache.deleteUserEntries('u', user)) +
				(await this.cache.deleteUserEntries('v', user)) >
			0
		)
	}

	/** Forget a cached token validation. */
	tokenUncache(token: string, realm = this.realm): Promise<boolean> {
		return this.tokens.uncache(token, realm)
	}

	/** Forget a cached group check. */
	async groupUncache(user: string, group: string): Promise<boolean> {
		return (await this.cache.deleteUserEntries('c', user, [group])) > 0
	}

	/** Forget a cached object permission. */
	async objectPermsUncache(
		domain: string,
		user: string,
		values: unknown[],
		mode: string | null = null
	): Promise<boolean> {
		return (await this.cache.deleteUserEntries('p', user, [domain, values, mode])) > 0
	}

	/**
	 * Forget everything cached about a user: password, credentials, groups, permissions, and the
	 * version kept in memory (Redis). Returns how many entries of the cache.
	 */
	async authUncache(user: string): Promise<number> {
		let count = 0
		for (const kind of ['u', 'v', 'c', 'p']) count += await this.cache.deleteUserEntries(kind, user)
		await this.users.forgetVersion(user)
		return count
	}
}
