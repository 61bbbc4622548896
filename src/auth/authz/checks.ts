/**
 * Authorization checks with their cache: groups (403), oauth scopes (403) and object
 * permissions (404 for a missing object, 403 for a refusal), keyed by the user's version; and
 * which groups and scopes a route may name.
 */
import type { Settings } from '../config/settings'
import { ErrorResponse } from '../errors'
import { callHook, type AppHooks } from '../hooks'
import type { Cache } from '../cache/cache'
import type { UserFacts } from '../users'
import type { Permission } from './rules'

export class AuthorizationChecks {
	constructor(
		readonly settings: Settings,
		readonly hooks: AppHooks,
		readonly users: UserFacts,
		readonly cache: Cache
	) {}

	/**
	 * Whether a route may name this group or scope: it must be declared when FSA_AUTHZ_GROUPS
	 * (or FSA_AUTHZ_SCOPES) declares any, and something must be able to check it.
	 */
	hasGroup(name: string): boolean {
		const { authzGroups, authzScopes, auth } = this.settings
		const asGroup =
			this.hasCheckableGroup(name) && (authzGroups.length === 0 || authzGroups.includes(name))
		const asScope = auth.includes('oauth') && (authzScopes.length === 0 || authzScopes.includes(name))
		return asGroup || asScope
	}

	/** Whether something can check membership of a group (its own checker or the catch-all). */
	hasCheckableGroup(name: string): boolean {
		return this.hooks.groupChecks.has(name) || this.hooks.userInGroup !== undefined
	}

	/** oauth: every scope the route names must be in the token; 403 for the first missing. */
	checkScopes(scopes: readonly string[], granted: readonly string[]): void {
		for (const scope of scopes)
			if (!granted.includes(scope)) throw new ErrorResponse(`missing permission "${scope}"`, 403)
	}

	/** Check every group of a route; 403 for the first the user is not in. */
	async checkGroups(user: string, groups: readonly string[]): Promise<void> {
		if (groups.length === 0) return
		const version = await this.users.version(user)
		for (const group of groups) {
			const key = this.cache.key('c', user, version, group)
			const cached = await this.cache.get(key)
			if (cached === true) continue
			if (cached === false) throw new ErrorResponse(`not in group "${group}"`, 403)
			const own = this.hooks.groupChecks.get(group) ?? this.hooks.userInGroup
			// an oauth scope reached by another scheme: nothing can grant it
			if (!own) throw new ErrorResponse(`not in group "${group}"`, 403)
			const name = `group check for ${group}`
			const allowed: unknown = await callHook(name, this.settings.serverError, () => own(user, group))
			if (typeof allowed !== 'boolean')
				throw new ErrorResponse(`internal error in ${name}`, this.settings.serverError)
			await this.cache.set(key, allowed)
			if (!allowed) throw new ErrorResponse(`not in group "${group}"`, 403)
		}
	}

	/** Check object permissions: null means no such object (FSA_NOT_FOUND_ERROR), false 403. */
	async checkPermission(user: string, permission: Permission, values: unknown[]): Promise<void> {
		const { domain, mode } = permission
		const key = this.cache.key('p', user, await this.users.version(user), domain, values, mode)
		const denied = () => new ErrorResponse(`permission denied on ${domain} (${mode ?? 'none'})`, 403)
		const cached = await this.cache.get(key)
		if (cached === true) return
		if (cached === false) throw denied()
		const checker = this.hooks.domainChecks.get(domain)!
		const allowed: unknown = await callHook('permission check', this.settings.serverError, () =>
			checker(user, ...values, mode)
		)
		if (allowed === null || allowed === undefined)
			throw new ErrorResponse('object not found', this.settings.notFoundError)
		if (typeof allowed !== 'boolean')
			throw new ErrorResponse('internal error with permission check', this.settings.serverError)
		// a missing object is not cached: it may be created at any time
		await this.cache.set(key, allowed)
		if (!allowed) throw denied()
	}
}
