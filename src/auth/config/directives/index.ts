/**
 * Every directive the framework accepts, written once: its TOML type, its default, the values
 * it takes when it takes one of a list, and what it does. Settings are parsed from this table,
 * and `acme config check`, docs/DIRECTIVES.md and the README's table are made or checked from it.
 */
import { Type as T, type Static, type TSchema } from '@sinclair/typebox'
import {
	ARGON2_DEFAULTS,
	BCRYPT_DEFAULTS,
	CACHE_KINDS,
	CACHE_TTL_SECONDS,
	FSA_TOKEN_HASHES,
	JWT_ALGORITHMS,
	MODES,
	PASSWORD_SCHEMES,
	TOKEN_CARRIERS,
	TOKEN_TYPES
} from '../values'

const StringOrList = T.Union([T.String(), T.Array(T.String())])
const Status = (minimum: number) => T.Integer({ minimum, maximum: 599 })

export interface Directive<S extends TSchema = TSchema> {
	schema: S
	/** The default, when it is a value of its own. */
	default?: Static<S>
	/** The default as the documentation says it, when it is not a value of its own (derived). */
	shown?: string
	/** The values it takes, for a directive that takes one of a list. */
	values?: readonly string[]
	/** What the directive does. */
	doc: string
}

export const DIRECTIVES = {
	// authentication
	FSA_AUTH: {
		schema: StringOrList,
		shown: '(required)',
		doc: 'enabled schemes, in the order they are tried: none, basic, param, token, oauth, fake, httpd, apikey or a custom; a scalar X means token, X, none; password means basic and param'
	},
	FSA_AUTH_DEFAULT: {
		schema: StringOrList,
		shown: 'FSA_AUTH',
		doc: 'schemes tried on routes without `authn`; must be within FSA_AUTH'
	},
	FSA_REALM: {
		schema: T.String({ minLength: 1 }),
		shown: 'app name',
		doc: 'realm of basic challenges and tokens'
	},
	FSA_PARAM_USER: {
		schema: T.String({ minLength: 1 }),
		default: 'USER',
		doc: 'user parameter of the param scheme'
	},
	FSA_PARAM_PASS: {
		schema: T.String({ minLength: 1 }),
		default: 'PASS',
		doc: 'password parameter of the param scheme'
	},
	FSA_FAKE_LOGIN: {
		schema: T.String({ minLength: 1 }),
		default: 'LOGIN',
		doc: 'parameter of the fake scheme, accepted from loopback clients only (tests)'
	},
	FSA_HTTPD_HEADER: {
		schema: T.String({ minLength: 1 }),
		default: 'X-Remote-User',
		doc: 'header holding the user name set by a trusted reverse proxy (httpd scheme)'
	},
	FSA_APIKEY_HEADER: {
		schema: T.String({ minLength: 1 }),
		default: 'X-API-Key',
		doc: 'extension: header holding the key of the apikey scheme'
	},
	FSA_TRUSTED_PROXIES: {
		schema: T.Array(T.String({ minLength: 1 })),
		default: [],
		doc: 'addresses of reverse proxies trusted for the httpd header, X-Forwarded-For and X-Forwarded-Proto'
	},
	// tokens
	FSA_TOKEN_TYPE: {
		values: TOKEN_TYPES,
		schema: T.String(),
		default: 'fsa',
		doc: 'token format; none disables tokens'
	},
	FSA_TOKEN_CARRIER: {
		values: Object.keys(TOKEN_CARRIERS),
		schema: T.String(),
		default: 'bearer',
		doc: 'where tokens travel: bearer is the Authorization header'
	},
	FSA_TOKEN_NAME: {
		schema: T.String({ minLength: 1 }),
		shown: 'Bearer / AUTH / auth / Auth',
		doc: 'bearer scheme word, or the parameter, cookie or header name'
	},
	FSA_TOKEN_SECRET: {
		schema: T.String({ minLength: 1 }),
		shown: 'random',
		doc: 'signing secret of tokens (at least 16 characters); for asymmetric JWT, the PEM public key'
	},
	FSA_TOKEN_SIGN: {
		schema: T.String({ minLength: 1 }),
		shown: 'FSA_TOKEN_SECRET',
		doc: 'asymmetric JWT: the PEM private key that signs tokens; without it tokens are only verified'
	},
	FSA_TOKEN_DELAY: {
		schema: T.Number({ exclusiveMinimum: 0 }),
		default: 60,
		doc: 'token lifetime in minutes'
	},
	FSA_TOKEN_GRACE: {
		schema: T.Number({ minimum: 0 }),
		default: 0,
		doc: 'minutes a token is still accepted after its expiry'
	},
	FSA_TOKEN_LENGTH: {
		schema: T.Integer({ minimum: 8, maximum: 64 }),
		default: 16,
		doc: 'bytes of the fsa token signature kept (16 = 32 hex characters)'
	},
	FSA_TOKEN_ALGO: {
		values: [...FSA_TOKEN_HASHES, ...JWT_ALGORITHMS],
		schema: T.String(),
		shown: '"blake2s" / "HS256"',
		doc: 'the hash of fsa tokens (blake2s by default), or the algorithm of JWTs (HS256 by default)'
	},
	FSA_TOKEN_ISSUER: {
		schema: T.String({ minLength: 1 }),
		shown: 'none',
		doc: 'fsa: appended to the realm as realm/issuer; jwt: the iss claim, required by oauth'
	},
	FSA_TOKEN_ISSUERS: {
		schema: T.Record(T.String(), T.Record(T.String(), T.Unknown())),
		shown: '{}',
		doc: 'extension: identity providers whose JWTs oauth accepts, by iss: { jwks_uri, audience, algorithms (asymmetric only), local_users = true (sub must be a user here) }'
	},
	FSA_TOKEN_RENEWAL: {
		schema: T.Number({ minimum: 0, maximum: 1 }),
		default: 0,
		doc: 'cookie carrier: renew the cookie when less than this fraction of the delay remains (0: on every request), never past the token presented'
	},
	// authorization
	FSA_AUTHZ_GROUPS: {
		schema: T.Array(T.String({ minLength: 1 })),
		default: [],
		doc: 'declared groups; once any are declared, a route naming another group is refused at start'
	},
	FSA_AUTHZ_SCOPES: {
		schema: T.Array(T.String({ minLength: 1 })),
		default: [],
		doc: 'declared oauth scopes; once any are declared, a route naming another scope is refused at start'
	},
	// parameters
	FSA_REJECT_UNEXPECTED_PARAM: {
		schema: T.Boolean(),
		default: true,
		doc: 'answer 400 to a request parameter the route does not declare'
	},
	// passwords
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
	},
	// responses
	FSA_MODE: {
		values: Object.keys(MODES),
		schema: T.String(),
		default: 'prod',
		doc: 'dev and above add FSA-Request, FSA-User and FSA-Delay headers'
	},
	FSA_ERROR_RESPONSE: {
		schema: T.String(),
		default: 'plain',
		doc: 'error body format: plain (text), json (a JSON string), json:KEY (an object)'
	},
	FSA_ADD_HEADERS: {
		schema: T.Record(T.String(), T.String()),
		default: {},
		doc: 'headers added to every response'
	},
	FSA_DEFAULT_CONTENT_TYPE: {
		schema: T.String({ minLength: 1 }),
		shown: 'text/plain',
		doc: 'content type of text bodies returned by routes'
	},
	FSA_HANDLE_ALL_ERRORS: {
		schema: T.Boolean(),
		default: true,
		doc: 'render 404 and 405 (with Allow) in the FSA_ERROR_RESPONSE format'
	},
	FSA_NOT_FOUND_ERROR: {
		schema: Status(400),
		default: 404,
		doc: 'status when an object permission finds no object'
	},
	FSA_SERVER_ERROR: { schema: Status(500), default: 500, doc: 'status of internal errors' },
	FSA_401_REDIRECT: {
		schema: T.String({ minLength: 1 }),
		shown: 'none',
		doc: 'turn a 401 into a 307 to this login page, with the original URL in FSA_URL_NAME on GET'
	},
	FSA_URL_NAME: {
		schema: T.String({ minLength: 1 }),
		default: 'URL',
		doc: 'parameter of FSA_401_REDIRECT'
	},
	FSA_CORS: { schema: T.Boolean(), default: false, doc: 'answer CORS preflights and add CORS headers' },
	FSA_CORS_OPTS: {
		schema: T.Record(T.String(), T.Unknown()),
		default: {},
		doc: 'options of @elysiajs/cors: origin, methods, allowedHeaders, exposeHeaders, credentials, maxAge'
	},
	FSA_MAX_BODY: {
		schema: T.Integer({ minimum: 1 }),
		default: 1048576,
		doc: 'largest request body accepted, in bytes (413 above)'
	},
	FSA_MAX_PARAMS: {
		schema: T.Integer({ minimum: 1 }),
		default: 1000,
		doc: 'extension: most parameters a request may carry (query and form values, JSON body keys), and most items of one JSON array or object (400 above)'
	},
	FSA_MAX_DEPTH: {
		schema: T.Integer({ minimum: 1 }),
		default: 64,
		doc: 'extension: deepest nesting of a JSON body or JSON parameter (400 above)'
	},
	FSA_SECURE: {
		schema: T.Boolean(),
		default: true,
		doc: 'refuse (403) plain HTTP from non-loopback clients; X-Forwarded-Proto counts from trusted proxies only'
	},
	// brute-force throttling
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
	},
	// caching
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

export type DirectiveName = keyof typeof DIRECTIVES
/** The value a directive holds, by its schema. */
export type DirectiveValue<K extends DirectiveName> = Static<(typeof DIRECTIVES)[K]['schema']>

/** A TOML value, as the documentation writes a default. */
function tomlText(value: unknown, schema: TSchema): string {
	if (typeof value === 'string') return JSON.stringify(value)
	// a TOML float reads as one: 60.0, not 60
	if (typeof value === 'number')
		return schema.type === 'number' && Number.isInteger(value) ? `${value}.0` : `${value}`
	if (Array.isArray(value)) return `[${value.map((item) => tomlText(item, schema)).join(', ')}]`
	if (value !== null && typeof value === 'object')
		return Object.keys(value).length === 0
			? '{}'
			: `{ ${Object.entries(value)
					.map(([key, item]) => `${key} = ${tomlText(item, schema)}`)
					.join(', ')} }`
	return String(value)
}

/** A directive's default as the documentation shows it. */
export function shownDefault(directive: Directive): string {
	return directive.shown ?? tomlText(directive.default, directive.schema)
}

/** What the documentation says of a directive: what it does, and the values it takes. */
export function documented(directive: Directive): string {
	return directive.values ? `${directive.doc}; one of: ${directive.values.join(', ')}` : directive.doc
}

/** A directive's value in a configuration: as configured, else its default. */
export function valueOf<K extends DirectiveName>(raw: Record<string, unknown>, name: K): DirectiveValue<K> {
	return (raw[name] ?? (DIRECTIVES[name] as Directive).default) as DirectiveValue<K>
}
