/**
 * FlaskSimpleAuth directives: names, types, defaults, and their normalisation into the
 * `Settings` the framework runs on. A directive is named once, here.
 */
import { Type as T, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigError, parseErrorFormat, type ErrorFormat } from './errors'
import type { CacheKind, CacheSettings } from './cache'

/** Authentication schemes known to the framework. */
export const SCHEMES = ['none', 'basic', 'param', 'token'] as const
export type Scheme = (typeof SCHEMES)[number]

/** `FSA_MODE` values and their levels; dev and above add the FSA-* headers. */
export const MODES = { prod: 1, dev: 2, debug: 3, debug1: 3, debug2: 4, debug3: 5, debug4: 6 } as const
export type Mode = keyof typeof MODES

export const TOKEN_CARRIERS = { bearer: 'Bearer', param: 'AUTH', header: 'Auth' } as const
export type TokenCarrier = keyof typeof TOKEN_CARRIERS

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
export const FSA_TOKEN_HASHES = [
	'blake2s256',
	'blake2b512',
	'sha256',
	'sha384',
	'sha512',
	'sha3-256',
	'sha3-512'
] as const

export const PASSWORD_SCHEMES = ['argon2', 'bcrypt'] as const
export type PasswordScheme = (typeof PASSWORD_SCHEMES)[number]

const StringOrList = T.Union([T.String(), T.Array(T.String())])

interface Directive {
	schema: TSchema
	/** What the directive does, for the README table and error messages. */
	doc: string
	/** The default as written in the README. */
	shown: string
}

/** Every directive the framework accepts. Keys not listed here but starting with `FSA_` are refused. */
export const DIRECTIVES = {
	FSA_AUTH: {
		schema: StringOrList,
		doc: 'enabled schemes, in the order they are tried; a scalar X means token, X, none; password means basic and param',
		shown: '(required)'
	},
	FSA_AUTH_DEFAULT: {
		schema: StringOrList,
		doc: 'schemes tried on routes without `authn`; must be within FSA_AUTH',
		shown: 'FSA_AUTH'
	},
	FSA_REALM: {
		schema: T.String({ minLength: 1 }),
		doc: 'realm of basic challenges and tokens',
		shown: 'app name'
	},
	FSA_MODE: {
		schema: T.String(),
		doc: 'prod, dev, debug1-4; dev and above add FSA-Request, FSA-User and FSA-Delay headers',
		shown: '"prod"'
	},
	FSA_ADD_HEADERS: {
		schema: T.Record(T.String(), T.String()),
		doc: 'headers added to every response',
		shown: '{}'
	},
	FSA_ERROR_RESPONSE: {
		schema: T.String(),
		doc: 'error body format: plain (text), json (a JSON string), json:KEY (an object)',
		shown: '"plain"'
	},
	FSA_PARAM_USER: {
		schema: T.String({ minLength: 1 }),
		doc: 'user parameter of the param scheme',
		shown: '"USER"'
	},
	FSA_PARAM_PASS: {
		schema: T.String({ minLength: 1 }),
		doc: 'password parameter of the param scheme',
		shown: '"PASS"'
	},
	FSA_TOKEN_TYPE: { schema: T.String(), doc: 'fsa or jwt', shown: '"fsa"' },
	FSA_TOKEN_SECRET: {
		schema: T.String({ minLength: 1 }),
		doc: 'signing secret of tokens; random at each start when unset',
		shown: 'random'
	},
	FSA_TOKEN_DELAY: {
		schema: T.Number({ exclusiveMinimum: 0 }),
		doc: 'token lifetime in minutes',
		shown: '60.0'
	},
	FSA_TOKEN_GRACE: {
		schema: T.Number({ minimum: 0 }),
		doc: 'minutes a token is still accepted after its expiry',
		shown: '0.0'
	},
	FSA_TOKEN_LENGTH: {
		schema: T.Integer({ minimum: 8, maximum: 64 }),
		doc: 'bytes of the fsa token signature kept (16 = 32 hex characters)',
		shown: '16'
	},
	FSA_TOKEN_ALGO: {
		schema: T.String(),
		doc: `fsa: ${FSA_TOKEN_HASHES.join(', ')}; jwt: ${JWT_ALGORITHMS.join(', ')}`,
		shown: '"blake2s256" / "HS256"'
	},
	FSA_TOKEN_ISSUER: {
		schema: T.String({ minLength: 1 }),
		doc: 'fsa: appended to the realm as realm/issuer; jwt: the iss claim',
		shown: 'none'
	},
	FSA_TOKEN_CARRIER: {
		schema: T.String(),
		doc: 'where tokens are read: bearer (Authorization header), param, header',
		shown: '"bearer"'
	},
	FSA_TOKEN_NAME: {
		schema: T.String({ minLength: 1 }),
		doc: 'bearer scheme word, or the parameter or header name',
		shown: 'Bearer / AUTH / Auth'
	},
	FSA_PASSWORD_SCHEME: { schema: T.String(), doc: 'argon2 (argon2id) or bcrypt', shown: '"argon2"' },
	FSA_PASSWORD_OPTS: {
		schema: T.Record(T.String(), T.Integer({ minimum: 1 })),
		doc: 'argon2: memory_cost (KiB), time_cost; bcrypt: rounds',
		shown: 'argon2 64 MiB, 2 passes; bcrypt 10 rounds'
	},
	FSA_PASSWORD_LENGTH: {
		schema: T.Integer({ minimum: 0 }),
		doc: 'minimum password length when hashing',
		shown: '0'
	},
	FSA_PASSWORD_RE: {
		schema: T.Array(T.String()),
		doc: 'regular expressions a password must match when hashing',
		shown: '[]'
	},
	FSA_REJECT_UNEXPECTED_PARAM: {
		schema: T.Boolean(),
		doc: 'answer 400 to a request parameter the route does not declare',
		shown: 'true'
	},
	FSA_NOT_FOUND_ERROR: {
		schema: T.Integer({ minimum: 400, maximum: 599 }),
		doc: 'status when an object permission finds no object',
		shown: '404'
	},
	FSA_CACHE: {
		schema: T.String(),
		doc: 'cache of password lookups, group checks, object permissions and tokens: ttl, lru or none',
		shown: '"ttl"'
	},
	FSA_CACHE_SIZE: {
		schema: T.Integer({ minimum: 1 }),
		doc: 'most entries the cache keeps',
		shown: '262144'
	},
	FSA_CACHE_OPTS: {
		schema: T.Object(
			{ ttl: T.Optional(T.Number({ exclusiveMinimum: 0 })) },
			{ additionalProperties: false }
		),
		doc: 'cache options: ttl, seconds an entry lives (ttl cache)',
		shown: '{ ttl = 600 }'
	},
	FSA_CACHE_PREFIX: { schema: T.String(), doc: 'prefix of cache keys', shown: '""' },
	FSA_PASSWORD_CACHE: {
		schema: T.Boolean(),
		doc: 'remember verified credentials (as a keyed hash) for the cache TTL, so slow hashing is paid once',
		shown: 'true'
	},
	FSA_SERVER_ERROR: {
		schema: T.Integer({ minimum: 500, maximum: 599 }),
		doc: 'status of internal errors',
		shown: '500'
	}
} satisfies Record<string, Directive>

export type DirectiveName = keyof typeof DIRECTIVES
export type RawConfig = Record<string, unknown>

export interface TokenSettings {
	type: 'fsa' | 'jwt' | null
	secret: string
	/** Whether the secret was configured; a random one does not survive a restart. */
	secretConfigured: boolean
	delayMinutes: number
	graceMinutes: number
	length: number
	algo: string
	issuer: string | undefined
	carrier: TokenCarrier
	name: string
}

export interface PasswordSettings {
	scheme: PasswordScheme
	/** argon2: memoryCost (KiB) and timeCost; bcrypt: cost. */
	options: { memoryCost: number; timeCost: number; cost: number }
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
	token: TokenSettings
	password: PasswordSettings
	rejectUnexpectedParam: boolean
	notFoundError: number
	serverError: number
	cache: CacheSettings
	passwordCache: boolean
}

function describe(value: unknown): string {
	return JSON.stringify(value) ?? String(value)
}

function fail(name: string, message: string, value: unknown): never {
	throw new ConfigError(`${name} ${message} (got ${describe(value)})`)
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

/** Expand `FSA_AUTH` or an `authn` value into a list of schemes, FlaskSimpleAuth's way. */
export function expandSchemes(
	name: string,
	value: string | string[],
	scalarAddsTokenAndNone: boolean
): Scheme[] {
	let list: string[]
	if (typeof value === 'string') {
		list =
			scalarAddsTokenAndNone && value !== 'token' && value !== 'none'
				? ['token', value, 'none']
				: [value]
	} else list = value
	const schemes: Scheme[] = []
	for (const item of list) {
		const expanded = item === 'password' ? ['basic', 'param'] : [item]
		for (const scheme of expanded) {
			if (!(SCHEMES as readonly string[]).includes(scheme))
				fail(
					name,
					`has an unexpected authentication scheme "${scheme}"; known: ${SCHEMES.join(', ')}, password`,
					value
				)
			if (!schemes.includes(scheme as Scheme)) schemes.push(scheme as Scheme)
		}
	}
	if (schemes.length === 0) fail(name, 'must name at least one authentication scheme', value)
	return schemes
}

function randomSecret(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32))
	return Buffer.from(bytes).toString('base64url')
}

function tokenSettings(raw: RawConfig): TokenSettings {
	const typeValue = raw.FSA_TOKEN_TYPE ?? 'fsa'
	const type = typeValue === 'none' ? null : oneOf('FSA_TOKEN_TYPE', typeValue, ['fsa', 'jwt', 'none'])
	const carrier = oneOf(
		'FSA_TOKEN_CARRIER',
		raw.FSA_TOKEN_CARRIER ?? 'bearer',
		Object.keys(TOKEN_CARRIERS) as TokenCarrier[]
	)
	const algo =
		type === 'jwt'
			? oneOf('FSA_TOKEN_ALGO', raw.FSA_TOKEN_ALGO ?? 'HS256', JWT_ALGORITHMS)
			: oneOf('FSA_TOKEN_ALGO', raw.FSA_TOKEN_ALGO ?? 'blake2s256', FSA_TOKEN_HASHES)
	const secret = raw.FSA_TOKEN_SECRET as string | undefined
	if (secret !== undefined && secret.length < 16)
		fail('FSA_TOKEN_SECRET', 'must have at least 16 characters', '…')
	return {
		type: type as 'fsa' | 'jwt' | null,
		secret: secret ?? randomSecret(),
		secretConfigured: secret !== undefined,
		delayMinutes: (raw.FSA_TOKEN_DELAY as number | undefined) ?? 60,
		graceMinutes: (raw.FSA_TOKEN_GRACE as number | undefined) ?? 0,
		length: (raw.FSA_TOKEN_LENGTH as number | undefined) ?? 16,
		algo,
		issuer: raw.FSA_TOKEN_ISSUER as string | undefined,
		carrier,
		name: (raw.FSA_TOKEN_NAME as string | undefined) ?? TOKEN_CARRIERS[carrier]
	}
}

function passwordSettings(raw: RawConfig): PasswordSettings {
	const scheme = oneOf('FSA_PASSWORD_SCHEME', raw.FSA_PASSWORD_SCHEME ?? 'argon2', PASSWORD_SCHEMES)
	const opts = (raw.FSA_PASSWORD_OPTS ?? {}) as Record<string, number>
	const known = scheme === 'argon2' ? ['memory_cost', 'time_cost'] : ['rounds']
	for (const key of Object.keys(opts))
		if (!known.includes(key))
			fail(
				'FSA_PASSWORD_OPTS',
				`has an unexpected option "${key}" for ${scheme}; known: ${known.join(', ')}`,
				opts
			)
	if (opts.rounds !== undefined && (opts.rounds < 4 || opts.rounds > 31))
		fail('FSA_PASSWORD_OPTS', 'rounds must be within 4..31', opts)
	const patterns = ((raw.FSA_PASSWORD_RE ?? []) as string[]).map((source) => {
		try {
			return { source, re: new RegExp(source, 'u') }
		} catch {
			return fail('FSA_PASSWORD_RE', 'has an invalid regular expression', source)
		}
	})
	return {
		scheme,
		options: {
			memoryCost: opts.memory_cost ?? 65536,
			timeCost: opts.time_cost ?? 2,
			cost: opts.rounds ?? 10
		},
		minLength: (raw.FSA_PASSWORD_LENGTH as number | undefined) ?? 0,
		patterns
	}
}

function cacheSettings(raw: RawConfig): CacheSettings {
	if (raw.FSA_CACHE === 'redis')
		fail('FSA_CACHE', 'redis is not available in this version; use ttl, lru or none', raw.FSA_CACHE)
	const kind = oneOf<CacheKind>('FSA_CACHE', raw.FSA_CACHE ?? 'ttl', ['ttl', 'lru', 'none'])
	const opts = (raw.FSA_CACHE_OPTS ?? {}) as { ttl?: number }
	return {
		kind,
		size: (raw.FSA_CACHE_SIZE as number | undefined) ?? 262144,
		ttlSeconds: opts.ttl ?? 600,
		prefix: (raw.FSA_CACHE_PREFIX as string | undefined) ?? ''
	}
}

/**
 * Check and normalise a configuration made of FlaskSimpleAuth directives.
 * @param name the application name, the default realm
 * @throws ConfigError naming the bad directive
 */
export function parseSettings(raw: RawConfig, name = 'app'): Settings {
	checkTypes(raw)
	if (raw.FSA_AUTH === undefined)
		throw new ConfigError('FSA_AUTH is required: empty authentication configuration')
	const auth = expandSchemes('FSA_AUTH', raw.FSA_AUTH as string | string[], true)
	const authDefault =
		raw.FSA_AUTH_DEFAULT === undefined
			? auth
			: expandSchemes('FSA_AUTH_DEFAULT', raw.FSA_AUTH_DEFAULT as string | string[], false)
	for (const scheme of authDefault)
		if (!auth.includes(scheme))
			fail(
				'FSA_AUTH_DEFAULT',
				`names "${scheme}", which FSA_AUTH does not enable`,
				raw.FSA_AUTH_DEFAULT
			)
	const mode = oneOf('FSA_MODE', raw.FSA_MODE ?? 'prod', Object.keys(MODES) as Mode[])
	const errorValue = (raw.FSA_ERROR_RESPONSE as string | undefined) ?? 'plain'
	const errorFormat =
		parseErrorFormat(errorValue) ??
		fail('FSA_ERROR_RESPONSE', 'must be plain, json or json:KEY', errorValue)
	const token = tokenSettings(raw)
	if (auth.includes('token') && token.type === null)
		fail('FSA_AUTH', 'enables token while FSA_TOKEN_TYPE is none', raw.FSA_AUTH)
	return {
		auth,
		authDefault,
		realm: (raw.FSA_REALM as string | undefined) ?? name,
		mode,
		level: MODES[mode],
		addHeaders: (raw.FSA_ADD_HEADERS ?? {}) as Record<string, string>,
		errorFormat,
		paramUser: (raw.FSA_PARAM_USER as string | undefined) ?? 'USER',
		paramPass: (raw.FSA_PARAM_PASS as string | undefined) ?? 'PASS',
		token,
		password: passwordSettings(raw),
		rejectUnexpectedParam: (raw.FSA_REJECT_UNEXPECTED_PARAM as boolean | undefined) ?? true,
		notFoundError: (raw.FSA_NOT_FOUND_ERROR as number | undefined) ?? 404,
		serverError: (raw.FSA_SERVER_ERROR as number | undefined) ?? 500,
		cache: cacheSettings(raw),
		passwordCache: (raw.FSA_PASSWORD_CACHE as boolean | undefined) ?? true
	}
}

/** Read a TOML configuration file; its top-level keys are directives. */
export async function loadConfigFile(path: string): Promise<RawConfig> {
	const file = Bun.file(path)
	if (!(await file.exists())) throw new ConfigError(`configuration file not found: ${path}`)
	try {
		return Bun.TOML.parse(await file.text()) as RawConfig
	} catch (error) {
		throw new ConfigError(`configuration file ${path} is not valid TOML: ${(error as Error).message}`)
	}
}
