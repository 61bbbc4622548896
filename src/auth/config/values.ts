/**
 * The values that directives taking one of a list accept, shared by the directive table (its
 * documentation) and the parsing of settings.
 */

/** Authentication schemes built into the framework; applications may register more. */
export const SCHEMES = ['none', 'basic', 'param', 'token', 'oauth', 'fake', 'httpd', 'apikey'] as const
export type BuiltinScheme = (typeof SCHEMES)[number]
/** A scheme name: built in, or registered by the application. */
export type Scheme = BuiltinScheme | (string & {})

/** `FSA_MODE` values and their levels; dev and above add the FSA-* headers. */
export const MODES = { prod: 1, dev: 2, debug: 3, debug1: 3, debug2: 4, debug3: 5, debug4: 6 } as const
export type Mode = keyof typeof MODES

export const TOKEN_CARRIERS = { bearer: 'Bearer', param: 'AUTH', cookie: 'auth', header: 'Auth' } as const
export type TokenCarrier = keyof typeof TOKEN_CARRIERS

export const JWT_ALGORITHMS = [
	'HS256',
	'HS384',
	'HS512',
	'RS256',
	'RS384',
	'RS512',
	'PS256',
	'PS384',
	'PS512',
	'ES256',
	'ES384',
	'ES512',
	'EdDSA'
] as const
/** fsa token hashes, by FlaskSimpleAuth's (hashlib) name and by Bun's. */
export const FSA_HASH_NAMES: Record<string, string> = {
	blake2s: 'blake2s256',
	blake2b: 'blake2b512',
	sha256: 'sha256',
	sha384: 'sha384',
	sha512: 'sha512',
	sha3_256: 'sha3-256',
	sha3_384: 'sha3-384',
	sha3_512: 'sha3-512'
}
export const FSA_TOKEN_HASHES = [
	...new Set([...Object.keys(FSA_HASH_NAMES), ...Object.values(FSA_HASH_NAMES)])
]

export const PASSWORD_SCHEMES = ['argon2', 'bcrypt', 'plaintext', 'fsa:otp'] as const
export type PasswordScheme = (typeof PASSWORD_SCHEMES)[number]

/** `FSA_TOKEN_TYPE` values: none disables tokens. */
export const TOKEN_TYPES = ['fsa', 'jwt', 'none'] as const

/** `FSA_CACHE` values: in memory, or shared by instances through Redis. */
export const CACHE_KINDS = ['ttl', 'lru', 'none', 'redis'] as const

/** FSA_PASSWORD_OPTS defaults: argon2id at 64 MiB and 2 passes, bcrypt at 10 rounds. */
export const ARGON2_DEFAULTS = { memory_cost: 65536, time_cost: 2 } as const
export const BCRYPT_DEFAULTS = { rounds: 10 } as const

/** FSA_CACHE_OPTS default: seconds a cache entry lives. */
export const CACHE_TTL_SECONDS = 600
