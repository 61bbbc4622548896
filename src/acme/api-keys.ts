/**
 * Issuing API keys, as the command line and the routes share it: a key holds only the groups
 * asked for, each one its user has; it may expire after some days and be limited to a rate.
 */
import { ErrorResponse, type SimpleAuth } from '../auth'
import type { AcmeData } from './store'

/** The groups a key may hold: Acme's only group. */
export const KEY_SCOPES = ['admin'] as const
/** Longest lifetime of a key, in days (ten years). */
export const MAX_KEY_DAYS = 3650

export interface KeyRequest {
	scopes?: readonly string[]
	/** Days until it expires; never when absent. */
	days?: number
	/** Most requests a minute; no limit when absent. */
	rate?: number
}

/**
 * Make a key for a user and store its hash: the key is in the answer only. 400 for a bad
 * scope, lifetime or rate, 403 for a group the user is not in, 404 for no such user.
 */
export async function issueKey(
	auth: SimpleAuth,
	store: AcmeData,
	login: string,
	{ scopes = [], days, rate }: KeyRequest
): Promise<{ id: string; key: string }> {
	for (const scope of scopes)
		if (!(KEY_SCOPES as readonly string[]).includes(scope))
			throw new ErrorResponse(`unknown scope: ${scope} (known: ${KEY_SCOPES.join(', ')})`, 400)
	if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= MAX_KEY_DAYS))
		throw new ErrorResponse(`days must be a whole number from 1 to ${MAX_KEY_DAYS} (got ${days})`, 400)
	if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= 1_000_000))
		throw new ErrorResponse(
			`rate must be a whole number of requests a minute, at least 1 (got ${rate})`,
			400
		)
	if (!(await store.userExists(login))) throw new ErrorResponse(`no such user: ${login}`, 404)
	if (scopes.includes('admin') && !(await store.userIsAdmin(login)))
		throw new ErrorResponse(`a key cannot hold a group its user is not in: admin`, 403)
	const { id, key, hash } = auth.createApiKey()
	await store.keys.add({
		id,
		login,
		hash,
		scopes: [...new Set(scopes)],
		expires: days === undefined ? null : Math.floor(Date.now() / 1000) + days * 86_400,
		rate: rate ?? null
	})
	return { id, key }
}
