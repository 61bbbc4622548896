/**
 * FlaskSimpleAuth directives checked and normalised into the `Settings` the framework runs
 * on. The directives themselves are listed once, in `directives.ts`.
 */
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigError, parseErrorFormat, type ErrorFormat } from '../errors'
import type { CacheKind, CacheSettings } from '../cache/cache'
import type { ThrottleSettings } from '../authn/throttle'
import { DIRECTIVES, valueOf, type Directive, type DirectiveName } from './directives'
import { randomSecret } from '../tokens/secrets'
import { checkDirectiveCase, parseTomlFile } from './toml'
import { OTP_DEFAULTS, OTP_DIGESTS, type OtpOptions } from '../authn/otp'
import { parseIssuers, type IssuerSettings } from './issuers'

export { DIRECTIVES, type DirectiveName } from './directives'

export {
	SCHEMES,
	MODES,
	TOKEN_CARRIERS,
	JWT_ALGORITHMS,
	FSA_TOKEN_HASHES,
	PASSWORD_SCHEMES,
	TOKEN_TYPES,
	CACHE_KINDS,
	type BuiltinScheme,
	type Scheme,
	type Mode,
	type TokenCarrier,
	type PasswordScheme
} from './values'
import {
	ARGON2_DEFAULTS,
	BCRYPT_DEFAULTS,
	CACHE_TTL_SECONDS,
	SCHEMES,
	MODES,
	TOKEN_CARRIERS,
	JWT_ALGORITHMS,
	FSA_HASH_NAMES,
	FSA_TOKEN_HASHES,
	PASSWORD_SCHEMES,
	TOKEN_TYPES,
	CACHE_KINDS,
	type Scheme,
	type Mode,
	type TokenCarrier,
	type PasswordScheme
} from './values'

export type RawConfig = Record<string, unknown>

export interface TokenSettings {
	type: 'fsa' | 'jwt' | null
	secret: string
	/** Whether the secret was configured; a random one does not survive a restart. */
	secretConfigured: boolean
	/** Asymmetric JWT: the PEM private key; HMAC: the secret. */
	sign: string | undefined
	delayMinutes: number
	graceMinutes: number
	length: number
	algo: string
	issuer: string | undefined
	carrier: TokenCarrier
	name: string
	renewal: number
}

export interface PasswordSettings {
	scheme: PasswordScheme
	/** argon2: memoryCost (KiB) and timeCost; bcrypt: cost. */
	options: { memoryCost: number; timeCost: number; cost: number }
	/** fsa:otp: pyotp's TOTP options. */
	otp: OtpOptions
	minLength: number
	patterns: { source: string; re: RegExp }[]
}

/** The configuration the framework runs on, checked and normalised. */
export interface Settings {
	auth: Scheme[]
	authDefault: Scheme[]
	realm: string
	mode: Mode
	level: number
	addHeaders: Record<string, string>
	errorFormat: ErrorFormat
	paramUser: string
	paramPass: string
	fakeLogin: string
	httpdHeader: string
	/** apikey: the header holding the key, lower case. */
	apikeyHeader: string
	trustedProxies: string[]
	token: TokenSettings
	/** FSA_TOKEN_ISSUERS: identity providers whose JWTs the oauth scheme accepts. */
	issuers: IssuerSettings[]
	password: PasswordSettings
	rejectUnexpectedParam: boolean
	notFoundError: number
	serverError: number
	cache: CacheSettings
	passwordCache: boolean
	authzGroups: string[]
	authzScopes: string[]
	defaultContentType: string | undefined
	handleAllErrors: boolean
	redirect401: string | undefined
	urlName: string
	cors: { enabled: boolean; options: Record<string, unknown> }
	secure: boolean
	throttle: ThrottleSettings
	maxBody: number
	maxParams: number
	maxDepth: number
}

function describe(value: unknown): string {
	return JSON.stringify(value) ?? String(value)
}

function fail(name: string, message: string, value: unknown): never {
	throw new ConfigError(`${name} ${message} (got ${describe(value)})`)
}

/** A directive that takes one of a list: its value (or default), checked against the table's values. */
function choice<V extends string>(raw: RawConfig, name: DirectiveName, allowed: readonly V[]): V {
	return oneOf(name, valueOf(raw, name), allowed)
}

function oneOf<V extends string>(name: string, value: unknown, allowed: readonly V[]): V {
	if (typeof value !== 'string' || !allowed.includes(value as V))
		fail(name, `must be one of ${allowed.join(', ')}`, value)
	return value as V
}

function expectedType(schema: TSchema): string {
	switch (schema.type) {
		case 'string':
			return 'a string'
		case 'number':
			return 'a number'
		case 'integer':
			return 'an integer'
		case 'boolean':
			return 'a boolean'
		case 'array':
			return 'a list'
		case 'object':
			return 'a table'
		default:
			return 'a string or a list of strings'
	}
}

/** Check every directive's type and refuse unknown `FSA_*` keys. */
function checkTypes(raw: RawConfig): void {
	for (const [name, value] of Object.entries(raw)) {
		if (!name.startsWith('FSA_')) continue
		const directive = (DIRECTIVES as Record<string, Directive>)[name]
		if (!directive) throw new ConfigError(`unexpected FSA_* directive: ${name}`)
		if (!Value.Check(directive.schema, value)) {
			const first = Value.Errors(directive.schema, value).First()
			const detail =
				first && first.path
					? ` at ${first.path}: ${first.message}`
					: first
						? `: ${first.message}`
						: ''
			fail(name, `must be ${expectedType(directive.schema)}${detail}`, value)
		}
	}
}

/** RFC 9110 tokens: header names, authentication schemes, cookie names. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** What a header value may hold: Latin-1 text without control characters but tab. */
const HEADER_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/
/** The options of @elysiajs/cors: a misspelled one would silently leave its permissive default. */
const CORS_OPTIONS = [
	'origin',
	'methods',
	'allowedHeaders',
	'exposeHeaders',
	'credentials',
	'maxAge',
	'preflight',
	'aot'
]

/**
 * Directives that end up in response headers must make valid ones: a bad value would
 * otherwise start the service and fail every response that carries it.
 */
function checkHeaderValues(raw: RawConfig): void {
	for (const name of [
		'FSA_REALM',
		'FSA_TOKEN_ISSUER',
		'FSA_401_REDIRECT',
		'FSA_URL_NAME',
		'FSA_DEFAULT_CONTENT_TYPE'
	]) {
		const value = raw[name]
		if (typeof value === 'string' && !HEADER_TEXT.test(value))
			fail(name, 'must be text allowed in an HTTP header: no line breaks or control characters', value)
	}
	const { FSA_HTTPD_HEADER: httpd, FSA_APIKEY_HEADER: apikey, FSA_TOKEN_NAME: tokenName } = raw
	if (typeof httpd === 'string' && !HTTP_TOKEN.test(httpd))
		fail('FSA_HTTPD_HEADER', 'must be a valid HTTP header name', httpd)
	if (typeof apikey === 'string' && !HTTP_TOKEN.test(apikey))
		fail('FSA_APIKEY_HEADER', 'must be a valid HTTP header name', apikey)
	if (raw.FSA_TOKEN_CARRIER !== 'param' && typeof tokenName === 'string' && !HTTP_TOKEN.test(tokenName))
		fail('FSA_TOKEN_NAME', 'must be a valid HTTP header, scheme or cookie name', tokenName)
	for (const [header, value] of Object.entries((raw.FSA_ADD_HEADERS ?? {}) as Record<string, string>)) {
		if (!HTTP_TOKEN.test(header))
			fail('FSA_ADD_HEADERS', `has an invalid header name "${header}"`, header)
		if (!HEADER_TEXT.test(value)) fail('FSA_ADD_HEADERS', `has an invalid value for ${header}`, value)
	}
	for (const key of Object.keys((raw.FSA_CORS_OPTS ?? {}) as Record<string, unknown>))
		if (!CORS_OPTIONS.includes(key))
			fail('FSA_CORS_OPTS', `has an unexpected option "${key}"; known: ${CORS_OPTIONS.join(', ')}`, key)
}

/** Expand `FSA_AUTH` or an `authn` value into a list of schemes, FlaskSimpleAuth's way. */
export function expandSchemes(
	name: string,
	value: string | readonly string[],
	scalarAddsTokenAndNone: boolean,
	known: readonly string[] = SCHEMES
): Scheme[] {
	let list: readonly string[]
	if (typeof value === 'string') {
		list =
			scalarAddsTokenAndNone && !['token', 'none', 'oauth'].includes(value)
				? ['token', value, 'none']
				: [value]
	} else list = value
	const schemes: Scheme[] = []
	for (const item of list) {
		const expanded = item === 'password' ? ['basic', 'param'] : [item]
		for (const scheme of expanded) {
			if (!known.includes(scheme))
				fail(
					name,
					`has an unexpected authentication scheme "${scheme}"; known: ${known.join(', ')}, password`,
					value
				)
			if (!schemes.includes(scheme as Scheme)) schemes.push(scheme as Scheme)
		}
	}
	if (schemes.length === 0) fail(name, 'must name at least one authentication scheme', value)
	return schemes
}

function tokenSettings(raw: RawConfig): TokenSettings {
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

function passwordSettings(raw: RawConfig): PasswordSettings {
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

function cacheSettings(raw: RawConfig): CacheSettings {
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

/**
 * Check and normalise a configuration made of FlaskSimpleAuth directives.
 * @param name the application name, the default realm
 * @throws ConfigError naming the bad directive
 */
export function parseSettings(raw: RawConfig, name = 'app', customSchemes: readonly string[] = []): Settings {
	checkTypes(raw)
	checkHeaderValues(raw)
	if (raw.FSA_AUTH === undefined)
		throw new ConfigError('FSA_AUTH is required: empty authentication configuration')
	const known = [...SCHEMES, ...customSchemes]
	const auth = expandSchemes('FSA_AUTH', raw.FSA_AUTH as string | string[], true, known)
	const authDefault =
		raw.FSA_AUTH_DEFAULT === undefined
			? auth
			: expandSchemes('FSA_AUTH_DEFAULT', raw.FSA_AUTH_DEFAULT as string | string[], false, known)
	for (const scheme of authDefault)
		if (!auth.includes(scheme))
			fail(
				'FSA_AUTH_DEFAULT',
				`names "${scheme}", which FSA_AUTH does not enable`,
				raw.FSA_AUTH_DEFAULT
			)
	const mode = choice(raw, 'FSA_MODE', Object.keys(MODES) as Mode[])
	const errorValue = valueOf(raw, 'FSA_ERROR_RESPONSE')
	const errorFormat =
		parseErrorFormat(errorValue) ??
		fail('FSA_ERROR_RESPONSE', 'must be plain, json or json:KEY', errorValue)
	const token = tokenSettings(raw)
	if (auth.includes('token') && token.type === null)
		fail('FSA_AUTH', 'enables token while FSA_TOKEN_TYPE is none', raw.FSA_AUTH)
	const issuers = parseIssuers(raw.FSA_TOKEN_ISSUERS as Record<string, Record<string, unknown>> | undefined)
	// oauth takes tokens of identity providers, or JWTs of this service naming their issuer
	if (auth.includes('oauth') && issuers.length === 0 && token.type !== 'jwt')
		fail(
			'FSA_AUTH',
			'enables oauth, whose tokens require FSA_TOKEN_TYPE jwt or FSA_TOKEN_ISSUERS',
			raw.FSA_AUTH
		)
	if (auth.includes('oauth') && issuers.length === 0 && token.issuer === undefined)
		fail(
			'FSA_AUTH',
			'enables oauth, whose tokens require FSA_TOKEN_ISSUER or FSA_TOKEN_ISSUERS',
			raw.FSA_AUTH
		)
	if (token.issuer !== undefined && issuers.some(({ issuer }) => issuer === token.issuer))
		fail(
			'FSA_TOKEN_ISSUERS',
			"must not name FSA_TOKEN_ISSUER, the issuer of this service's own tokens",
			token.issuer
		)
	if (issuers.length > 0 && !auth.includes('oauth'))
		console.warn('FSA_TOKEN_ISSUERS is ignored: FSA_AUTH does not enable oauth')
	const trustedProxies = valueOf(raw, 'FSA_TRUSTED_PROXIES')
	for (const address of trustedProxies)
		// node:net (with node:stream) only when proxies are configured: it costs a start ms
		if (process.getBuiltinModule('node:net').isIP(address) === 0)
			fail('FSA_TRUSTED_PROXIES', 'must list IP addresses', address)
	const redirect401 = raw.FSA_401_REDIRECT as string | undefined
	const password = passwordSettings(raw)
	// a remembered code would stay valid past its step
	if (password.scheme === 'fsa:otp' && raw.FSA_PASSWORD_CACHE === true)
		fail('FSA_PASSWORD_CACHE', 'must be false with FSA_PASSWORD_SCHEME fsa:otp', raw.FSA_PASSWORD_CACHE)
	return {
		auth,
		authDefault,
		realm: (raw.FSA_REALM as string | undefined) ?? name,
		mode,
		level: MODES[mode],
		addHeaders: valueOf(raw, 'FSA_ADD_HEADERS'),
		errorFormat,
		paramUser: valueOf(raw, 'FSA_PARAM_USER'),
		paramPass: valueOf(raw, 'FSA_PARAM_PASS'),
		token,
		issuers,
		password,
		rejectUnexpectedParam: valueOf(raw, 'FSA_REJECT_UNEXPECTED_PARAM'),
		notFoundError: valueOf(raw, 'FSA_NOT_FOUND_ERROR'),
		serverError: valueOf(raw, 'FSA_SERVER_ERROR'),
		cache: cacheSettings(raw),
		passwordCache: password.scheme !== 'fsa:otp' && valueOf(raw, 'FSA_PASSWORD_CACHE'),
		fakeLogin: valueOf(raw, 'FSA_FAKE_LOGIN'),
		httpdHeader: valueOf(raw, 'FSA_HTTPD_HEADER').toLowerCase(),
		apikeyHeader: valueOf(raw, 'FSA_APIKEY_HEADER').toLowerCase(),
		trustedProxies,
		authzGroups: valueOf(raw, 'FSA_AUTHZ_GROUPS'),
		authzScopes: valueOf(raw, 'FSA_AUTHZ_SCOPES'),
		defaultContentType: raw.FSA_DEFAULT_CONTENT_TYPE as string | undefined,
		handleAllErrors: valueOf(raw, 'FSA_HANDLE_ALL_ERRORS'),
		redirect401,
		urlName: valueOf(raw, 'FSA_URL_NAME'),
		cors: { enabled: valueOf(raw, 'FSA_CORS'), options: valueOf(raw, 'FSA_CORS_OPTS') },
		secure: valueOf(raw, 'FSA_SECURE'),
		maxBody: valueOf(raw, 'FSA_MAX_BODY'),
		maxParams: valueOf(raw, 'FSA_MAX_PARAMS'),
		maxDepth: valueOf(raw, 'FSA_MAX_DEPTH'),
		throttle: {
			enabled: valueOf(raw, 'FSA_THROTTLE'),
			windowSeconds: valueOf(raw, 'FSA_THROTTLE_WINDOW') * 60,
			perLogin: valueOf(raw, 'FSA_THROTTLE_LOGIN'),
			perAddress: valueOf(raw, 'FSA_THROTTLE_ADDRESS')
		}
	}
}

/** Read a TOML configuration file; its top-level keys are directives. */
export async function loadConfigFile(path: string): Promise<RawConfig> {
	const file = Bun.file(path)
	if (!(await file.exists())) throw new ConfigError(`configuration file not found: ${path}`)
	const text = await file.text()
	const config = parseTomlFile(text, path)
	checkDirectiveCase(config, text, path)
	return config as RawConfig
}
