/**
 * The directives of passwords (hashing, strength rules, remembered credentials) and of the
 * throttling of failed password checks.
 */
import { Type as T } from '@sinclair/typebox'
import { ARGON2_DEFAULTS, BCRYPT_DEFAULTS, PASSWORD_SCHEMES } from '../values'
import type { Directive } from './directive'

/** Passwords: how they are hashed and checked, and whether verified credentials are remembered. */
export const PASSWORDS = {
	FSA_PASSWORD_SCHEME: {
		values: PASSWORD_SCHEMES,
		schema: T.String(),
		default: 'argon2',
		doc: 'argon2 is argon2id; fsa:otp is TOTP (the stored "hash" is the base32 secret, the password a current code); plaintext is for tests only'
	},
	FSA_PASSWORD_OPTS: {
		schema: T.Record(T.String(), T.Union([T.Integer({ minimum: 1 }), T.String()])),
		shown: `argon2 { memory_cost = ${ARGON2_DEFAULTS.memory_cost}, time_cost = ${ARGON2_DEFAULTS.time_cost} }; bcrypt { rounds = ${BCRYPT_DEFAULTS.rounds} }`,
		doc: 'argon2: memory_cost (KiB), time_cost; bcrypt: rounds; fsa:otp: digits (6), interval (30 s), digest (sha1, sha256 or sha512)'
	},
	FSA_PASSWORD_LENGTH: {
		schema: T.Integer({ minimum: 0 }),
		default: 0,
		doc: 'minimum password length when hashing'
	},
	FSA_PASSWORD_RE: {
		schema: T.Array(T.String()),
		default: [],
		doc: 'regular expressions a password must match when hashing'
	},
	FSA_PASSWORD_CACHE: {
		schema: T.Boolean(),
		default: true,
		doc: 'remember verified credentials (as a keyed hash) for the cache TTL, so slow hashing is paid once; always false with fsa:otp'
	}
} satisfies Record<string, Directive>

/** Brute-force throttling: failed password checks counted per login and per address. */
export const THROTTLING = {
	FSA_THROTTLE: {
		schema: T.Boolean(),
		default: true,
		doc: 'refuse (429, Retry-After) password checks after too many failures, before any hashing'
	},
	FSA_THROTTLE_WINDOW: {
		schema: T.Number({ exclusiveMinimum: 0 }),
		default: 15,
		doc: 'minutes during which failed password checks are counted'
	},
	FSA_THROTTLE_LOGIN: {
		schema: T.Integer({ minimum: 1 }),
		default: 10,
		doc: 'failures allowed for one login from one client address within the window'
	},
	FSA_THROTTLE_ADDRESS: {
		schema: T.Integer({ minimum: 1 }),
		default: 100,
		doc: 'failures allowed from one client address within the window, across logins'
	}
} satisfies Record<string, Directive>
