/**
 * What an application asks of a SimpleAuth beyond its hooks: passwords, tokens, API keys,
 * authorization checks, the scheme chain and its caches, FlaskSimpleAuth's by name. The
 * SimpleAuth class implements them by delegating to its services; their documentation is here.
 */
import type { Scheme } from './config/settings'
import type { TokenOptions } from './options'
import type { TokenIdentity } from './tokens/tokens'
import type { Permission } from './authz/rules'
import type { Authenticated } from './authn/chain'
import type { AuthnInput, Found } from './authn/scheme'
import type { NewApiKey } from './authn/apikey'
import type { MaybePromise } from './types'

export interface AuthOperations {
	/**
	 * Make a new API key `PREFIX_ID_SECRET` (PREFIX from the application name): store `id` and
	 * `hash`, show `key` once; it cannot be recovered from the hash.
	 */
	createApiKey(prefix?: string): NewApiKey

	/** Verify an API key (401 with the reason, 429 past its rate); at once when the store answers at once. */
	verifyApiKey(key: string): MaybePromise<Found>

	/** Hash a password after checking FSA_PASSWORD_LENGTH and FSA_PASSWORD_RE (400 when weak). */
	hashPassword(password: string): Promise<string>

	/**
	 * Check a login and password; throws 401 when they do not match, 429 when this login or
	 * address failed too often. Answers at once when memory knows these very credentials.
	 * @param address the client's address, for throttling
	 */
	checkUserPassword(login: string, password: string, address?: string): MaybePromise<void>

	/** Verify a token for a realm (FSA_REALM by default; 401 with the reason); at once when memory knows it. */
	verifyToken(token: string, realm?: string): MaybePromise<TokenIdentity>

	/**
	 * Create a token for a user (FlaskSimpleAuth's `create_token`): fsa or JWT by
	 * FSA_TOKEN_TYPE, valid FSA_TOKEN_DELAY minutes unless `delayMinutes` says otherwise.
	 * @example const token = await auth.createToken(user, { delayMinutes: 10 })
	 */
	createToken(user: string, options?: TokenOptions): Promise<string>

	/**
	 * Refuse a token from now until it expires (a logout), on every instance sharing the
	 * cache's backend.
	 */
	revokeToken(token: string, realm?: string): Promise<void>

	/** Refuse every token of a user issued until now (a deleted or compromised account). */
	revokeUser(login: string): Promise<void>

	/** Check every group of a route; 403 for the first the user is not in. */
	checkGroups(user: string, groups: readonly string[]): Promise<void>

	/** Check an object permission: null means no such object (FSA_NOT_FOUND_ERROR), false 403. */
	checkPermission(user: string, permission: Permission, values: unknown[]): Promise<void>

	/** Forget every cached entry (FlaskSimpleAuth's `clear_caches`). */
	clearCaches(): Promise<void>

	/**
	 * Forget a user's version on every instance, once the application changed it: with
	 * FSA_CACHE = "redis" each instance keeps versions in memory. Nothing to do otherwise.
	 */
	versionUncache(user: string): Promise<void>

	/** Forget a user's cached password hash and verified credentials. */
	passwordUncache(user: string): Promise<boolean>

	/** Forget a cached token validation. */
	tokenUncache(token: string, realm?: string): Promise<boolean>

	/** Forget a cached group check. */
	groupUncache(user: string, group: string): Promise<boolean>

	/** Forget a cached object permission. */
	objectPermsUncache(
		domain: string,
		user: string,
		values: unknown[],
		mode?: string | null
	): Promise<boolean>

	/** Forget everything cached about a user: password, credentials, groups, permissions. Returns how many entries. */
	authUncache(user: string): Promise<number>

	/**
	 * Try the schemes in order; the first that finds valid credentials wins. Answers at once
	 * while memory answers every scheme (known tokens and credentials), else with a promise.
	 * @throws ErrorResponse 401: the reason given by the first scheme that found bad credentials,
	 * or "missing authentication" when none found any
	 */
	authenticate(input: AuthnInput, schemes: readonly Scheme[], realm?: string): MaybePromise<Authenticated>
}
