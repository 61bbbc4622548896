/**
 * The settings of tokens, passwords and the cache, each from its directives.
 */
import type { CacheKind, CacheSettings } from '../cache/cache'
import { valueOf } from './directives'
import { randomSecret } from '../tokens/secrets'
import { OTP_DEFAULTS, OTP_DIGESTS, type OtpOptions } from '../authn/otp'
import {
	ARGON2_DEFAULTS,
	BCRYPT_DEFAULTS,
	CACHE_TTL_SECONDS,
	TOKEN_CARRIERS,
	JWT_ALGORITHMS,
	FSA_HASH_NAMES,
	FSA_TOKEN_HASHES,
	PASSWORD_SCHEMES,
	TOKEN_TYPES,
	CACHE_KINDS,
	type TokenCarrier,
	type PasswordScheme
} from './values'
import type { RawConfig, TokenSettings, PasswordSettings } from './settings'
import { choice, fail, oneOf } from './checks'

export function tokenSettings(raw: RawConfig): TokenSettings {
	const typeValue = choice(raw, 'FSA_TOKEN_TYPE', TOKEN_TYPES)
	const type = typeValue === 'none' ? null : typeValue
	const carrier = choice(raw, 'FSA_TOKEN_CARRIER', Object.keys(TOKEN_CARRIERS) as TokenCarrier[])
	const algo =
		type === 'jwt'
			? oneOf('FSA_TOKEN_ALGO', raw.FSA_TOKEN_ALGO ?? 'HS256', JWT_ALGORITHMS)
			: (FSA_HASH_NAMES[oneOf('FSA_TOKEN_ALGO', raw.FSA_TOKEN_ALGO ?? 'blake2s', FSA_TOKEN_HASHES)] ??
				(raw.FSA_TOKEN_ALGO as string))
	if (type === 'fsa' && (raw.FSA_TOKEN_ISSUER as string | undefined)?.includes(':'))
		fail('FSA_TOKEN_ISSUER', 'must not contain ":", the separator of fsa tokens', raw.FSA_TOKEN_ISSUER)
	const secret = raw.FSA_TOKEN_SECRET as string | undefined
	if (secret !== undefined && secret.length < 16)
		fail('FSA_TOKEN_SECRET', 'must have at least 16 characters', '…')
	const sign = raw.FSA_TOKEN_SIGN as string | undefined
	if (sign !== undefined && !(type === 'jwt' && !algo.startsWith('HS')))
		console.warn('FSA_TOKEN_SIGN is ignored: it is the private key of asymmetric JWT algorithms')
	if (raw.FSA_TOKEN_LENGTH !== undefined && type === 'jwt')
		console.warn('FSA_TOKEN_LENGTH is ignored for jwt tokens')
	if (type === 'jwt' && !algo.startsWith('HS') && secret === undefined)
		fail('FSA_TOKEN_SECRET', `must be the PEM public key that verifies ${algo} tokens`, secret)
	return {
		type: type as 'fsa' | 'jwt' | null,
		secret: secret ?? randomSecret(),
		secretConfigured: secret !== undefined,
		delayMinutes: valueOf(raw, 'FSA_TOKEN_DELAY'),
		graceMinutes: valueOf(raw, 'FSA_TOKEN_GRACE'),
		length: valueOf(raw, 'FSA_TOKEN_LENGTH'),
		algo,
		issuer: raw.FSA_TOKEN_ISSUER as string | undefined,
		carrier,
		name: (raw.FSA_TOKEN_NAME as string | undefined) ?? TOKEN_CARRIERS[carrier],
		sign: type === 'jwt' && !algo.startsWith('HS') ? sign : undefined,
		renewal: valueOf(raw, 'FSA_TOKEN_RENEWAL')
	}
}

/** The options FSA_PASSWORD_OPTS may set for each scheme. */
const PASSWORD_OPTIONS: Record<PasswordScheme, string[]> = {
	argon2: ['memory_cost', 'time_cost'],
	bcrypt: ['rounds'],
	plaintext: [],
	'fsa:otp': ['digits', 'interval', 'digest']
}

/** fsa:otp's options, as pyotp's TOTP takes them. */
function otpOptions(opts: Record<string, unknown>): OtpOptions {
	const digits = (opts.digits as number | undefined) ?? OTP_DEFAULTS.digits
	if (digits < 6 || digits > 10) fail('FSA_PASSWORD_OPTS', 'digits must be within 6..10', opts)
	const interval = (opts.interval as number | undefined) ?? OTP_DEFAULTS.interval
	const digest = oneOf('FSA_PASSWORD_OPTS digest', opts.digest ?? OTP_DEFAULTS.digest, OTP_DIGESTS)
	return { digits, interval, digest }
}

export function passwordSettings(raw: RawConfig): PasswordSettings {
	const scheme = choice(raw, 'FSA_PASSWORD_SCHEME', PASSWORD_SCHEMES)
	const opts = (raw.FSA_PASSWORD_OPTS ?? {}) as Record<string, number>
	if (scheme === 'plaintext')
		console.warn('FSA_PASSWORD_SCHEME plaintext stores passwords in clear: use it for tests only')
	const known = PASSWORD_OPTIONS[scheme]
	for (const [key, value] of Object.entries(opts)) {
		if (!known.includes(key))
			fail(
				'FSA_PASSWORD_OPTS',
				`has an unexpected option "${key}" for ${scheme}; known: ${known.join(', ')}`,
				opts
			)
		if (key !== 'digest' && typeof value !== 'number')
			fail('FSA_PASSWORD_OPTS', `option "${key}" must be an integer`, opts)
	}
	if (opts.rounds !== undefined && (opts.rounds < 4 || opts.rounds > 31))
		fail('FSA_PASSWORD_OPTS', 'rounds must be within 4..31', opts)
	const patterns = valueOf(raw, 'FSA_PASSWORD_RE').map((source) => {
		try {
			return { source, re: new RegExp(source, 'u') }
		} catch {
			return fail('FSA_PASSWORD_RE', 'has an invalid regular expression', source)
		}
	})
	return {
		scheme,
		options: {
			memoryCost: opts.memory_cost ?? ARGON2_DEFAULTS.memory_cost,
			timeCost: opts.time_cost ?? ARGON2_DEFAULTS.time_cost,
			cost: opts.rounds ?? BCRYPT_DEFAULTS.rounds
		},
		otp: otpOptions(opts),
		minLength: valueOf(raw, 'FSA_PASSWORD_LENGTH'),
		patterns
	}
}

export function cacheSettings(raw: RawConfig): CacheSettings {
	const kind: CacheKind = choice(raw, 'FSA_CACHE', CACHE_KINDS)
	const opts = (raw.FSA_CACHE_OPTS ?? {}) as { ttl?: number; url?: string }
	if (kind === 'redis' && (opts.url === undefined || !/^(redis|rediss|valkey):\/\/./.test(opts.url)))
		fail(
			'FSA_CACHE_OPTS',
			'must give the url of the Redis server (redis://host:port) with FSA_CACHE = "redis"',
			'…'
		)
	if (kind !== 'redis' && opts.url !== undefined)
		fail('FSA_CACHE_OPTS', 'url is for FSA_CACHE = "redis"', '…')
	return {
		kind,
		size: valueOf(raw, 'FSA_CACHE_SIZE'),
		ttlSeconds: opts.ttl ?? CACHE_TTL_SECONDS,
		prefix: valueOf(raw, 'FSA_CACHE_PREFIX'),
		url: opts.url
	}
}
