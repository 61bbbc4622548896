/**
 * The directives of the cache: its kind (memory or Redis), size, lifetime and key prefix.
 */
import { Type as T } from '@sinclair/typebox'
import { CACHE_KINDS, CACHE_TTL_SECONDS } from '../values'
import type { Directive } from './directive'

/** Caching: where the cache lives, how much it holds and for how long. */
export const CACHING = {
	FSA_CACHE: {
		values: CACHE_KINDS,
		schema: T.String(),
		default: 'ttl',
		doc: 'cache of password lookups, group checks, object permissions, tokens, revocations and throttling counters: ttl, lru and none keep it in memory, redis shares it between instances (FSA_CACHE_OPTS url)'
	},
	FSA_CACHE_SIZE: {
		schema: T.Integer({ minimum: 1 }),
		default: 262144,
		doc: 'most entries the cache keeps'
	},
	FSA_CACHE_OPTS: {
		schema: T.Object(
			{ ttl: T.Optional(T.Number({ exclusiveMinimum: 0 })), url: T.Optional(T.String()) },
			{ additionalProperties: false }
		),
		shown: `{ ttl = ${CACHE_TTL_SECONDS} }`,
		doc: 'cache options: ttl, seconds an entry lives (ttl and redis); url, the Redis server (redis)'
	},
	FSA_CACHE_PREFIX: { schema: T.String(), default: '', doc: 'prefix of cache keys' }
} satisfies Record<string, Directive>
