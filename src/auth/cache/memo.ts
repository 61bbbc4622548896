/**
 * Memos of what requests bring (tokens, logins, key ids): plain maps, bounded so that no flood
 * of made-up values grows memory. A full memo starts over; what it forgot is worked out again.
 */

/** Most entries a memo holds. */
export const MEMO_LIMIT = 10_000

/** Keep `value` for `key` in a memo, emptied first when full; returns `value`. */
export function remember<K, V>(memo: Map<K, V>, key: K, value: V): V {
	if (memo.size >= MEMO_LIMIT) memo.clear()
	memo.set(key, value)
	return value
}
