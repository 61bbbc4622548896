/**
 * Every directive the framework accepts: its TOML type, its default as documented and what
 * it does. The README's directive table is checked against this list by the tests.
 */
import { Type as T, type TSchema } from '@sinclair/typebox'

const StringOrList = T.Union([T.String(), T.Array(T.String())])
const Status = (minimum: number) => T.Integer({ minimum, maximum: 599 })

export interface Directive {
	schema: TSchema
	/** The default, as written in the documentation. */
	shown: string
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
		shown: '"USER"',
		doc: 'user parameter of the param scheme'
	},
	FSA_PARAM_PASS: {
		schema: T.String({ minLength: 1 }),
		shown: '"PASS"',
		doc: 'password parameter of the param scheme'
	},
	FSA_FAKE_LOGIN: {
		schema: T.String({ minLength: 1 }),
		shown: '"LOGIN"',
		doc: 'parameter of the fake scheme, accepted from loopback clients only (tests)'
	},
	FSA_HTTPD_HEADER: {
		schema: T.String({ minLength: 1 }),
		shown: '"X-Remote-User"',
		doc: 'header holding the user name set by a trusted reverse proxy (httpd scheme)'
	},
	FSA_APIKEY_HEADER: {
		schema: T.String({ minLength: 1 }),
		shown: '"X-API-Key"',
		doc: 'extension: header holding the key of the apikey scheme'
	},
	FSA_TRUSTED_PROXIES: {
		schema: T.Array(T.String({ minLength: 1 })),
		shown: '[]',
		doc: 'addresses of reverse proxies trusted for the httpd header, X-Forwarded-For and X-Forwarded-Proto'
	},
	// tokens
	FSA_TOKEN_TYPE: { schema: T.String(), shown: '"fsa"', doc: 'fsa, jwt, or none to disable tokens' },
	FSA_TOKEN_CARRIER: {
		schema: T.String(),
		shown: '"bearer"',
		doc: 'where tokens travel: bearer (Authorization header), param, cookie, header'
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
		shown: '60.0',
		doc: 'token lifetime in minutes'
	},
	FSA_TOKEN_GRACE: {
		schema: T.Number({ minimum: 0 }),
		shown: '0.0',
		doc: 'minutes a token is still accepted after its expiry'
	},
	FSA_TOKEN_LENGTH: {
		schema: T.Integer({ minimum: 8, maximum: 64 }),
		shown: '16',
		doc: 'bytes of the fsa token signature kept (16 = 32 hex characters)'
	},
	FSA_TOKEN_ALGO: {
		schema: T.String(),
		shown: '"blake2s" / "HS256"',
		doc: 'fsa: blake2s, blake2b, sha256, sha384, sha512, sha3_256, sha3_512; jwt: HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA'
	},
	FSA_TOKEN_ISSUER: {
		schema: T.String({ minLength: 1 }),
		shown: 'none',
		doc: 'fsa: appended to the realm as realm/issuer; jwt: the iss claim, required by oauth'
	},
	FSA_TOKEN_RENEWAL: {
		schema: T.Number({ minimum: 0, maximum: 1 }),
		shown: '0.0',
		doc: 'cookie carrier: renew the cookie when less than this fraction of the delay remains (0: on every request), never past the token presented'
	},
	// authorization
	FSA_AUTHZ_GROUPS: {
		schema: T.Array(T.String({ minLength: 1 })),
		shown: '[]',
		doc: 'declared groups; once any are declared, a route naming another group is refused at start'
	},
	FSA_AUTHZ_SCOPES: {
		schema: T.Array(T.String({ minLength: 1 })),
		shown: '[]',
		doc: 'declared oauth scopes; once any are declared, a route naming another scope is refused at start'
	},
	// parameters
	FSA_REJECT_UNEXPECTED_PARAM: {
		schema: T.Boolean(),
		shown: 'true',
		doc: 'answer 400 to a request parameter the route does not declare'
	},
	// passwords
	FSA_PASSWORD_SCHEME: {
		schema: T.String(),
		shown: '"argon2"',
		doc: 'argon2 (argon2id), bcrypt, fsa:otp (TOTP: the stored "hash" is the base32 secret, the password a current code), or plaintext (tests only)'
	},
	FSA_PASSWORD_OPTS: {
		schema: T.Record(T.String(), T.Union([T.Integer({ minimum: 1 }), T.String()])),
		shown: 'argon2 64 MiB, 2 passes; bcrypt 10 rounds',
		doc: 'argon2: memory_cost (KiB), time_cost; bcrypt: rounds; fsa:otp: digits (6), interval (30 s), digest (sha1, sha256 or sha512)'
	},
	FSA_PASSWORD_LENGTH: {
		schema: T.Integer({ minimum: 0 }),
		shown: '0',
		doc: 'minimum password length when hashing'
	},
	FSA_PASSWORD_RE: {
		schema: T.Array(T.String()),
		shown: '[]',
		doc: 'regular expressions a password must match when hashing'
	},
	FSA_PASSWORD_CACHE: {
		schema: T.Boolean(),
		shown: 'true',
		doc: 'remember verified credentials (as a keyed hash) for the cache TTL, so slow hashing is paid once; always false with fsa:otp'
	},
	// responses
	FSA_MODE: {
		schema: T.String(),
		shown: '"prod"',
		doc: 'prod, dev, debug1-4; dev and above add FSA-Request, FSA-User and FSA-Delay headers'
	},
	FSA_ERROR_RESPONSE: {
		schema: T.String(),
		shown: '"plain"',
		doc: 'error body format: plain (text), json (a JSON string), json:KEY (an object)'
	},
	FSA_ADD_HEADERS: {
		schema: T.Record(T.String(), T.String()),
		shown: '{}',
		doc: 'headers added to every response'
	},
	FSA_DEFAULT_CONTENT_TYPE: {
		schema: T.String({ minLength: 1 }),
		shown: 'text/plain',
		doc: 'content type of text bodies returned by routes'
	},
	FSA_HANDLE_ALL_ERRORS: {
		schema: T.Boolean(),
		shown: 'true',
		doc: 'render 404 and 405 (with Allow) in the FSA_ERROR_RESPONSE format'
	},
	FSA_NOT_FOUND_ERROR: {
		schema: Status(400),
		shown: '404',
		doc: 'status when an object permission finds no object'
	},
	FSA_SERVER_ERROR: { schema: Status(500), shown: '500', doc: 'status of internal errors' },
	FSA_401_REDIRECT: {
		schema: T.String({ minLength: 1 }),
		shown: 'none',
		doc: 'turn a 401 into a 307 to this login page, with the original URL in FSA_URL_NAME on GET'
	},
	FSA_URL_NAME: {
		schema: T.String({ minLength: 1 }),
		shown: '"URL"',
		doc: 'parameter of FSA_401_REDIRECT'
	},
	FSA_CORS: { schema: T.Boolean(), shown: 'false', doc: 'answer CORS preflights and add CORS headers' },
	FSA_CORS_OPTS: {
		schema: T.Record(T.String(), T.Unknown()),
		shown: '{}',
		doc: 'options of @elysiajs/cors: origin, methods, allowedHeaders, exposeHeaders, credentials, maxAge'
	},
	FSA_MAX_BODY: {
		schema: T.Integer({ minimum: 1 }),
		shown: '1048576',
		doc: 'largest request body accepted, in bytes (413 above)'
	},
	FSA_MAX_PARAMS: {
		schema: T.Integer({ minimum: 1 }),
		shown: '1000',
		doc: 'extension: most parameters a request may carry (query and form values, JSON body keys), and most items of one JSON array or object (400 above)'
	},
	FSA_MAX_DEPTH: {
		schema: T.Integer({ minimum: 1 }),
		shown: '64',
		doc: 'extension: deepest nesting of a JSON body or JSON parameter (400 above)'
	},
	FSA_SECURE: {
		schema: T.Boolean(),
		shown: 'true',
		doc: 'refuse (403) plain HTTP from non-loopback clients; X-Forwarded-Proto counts from trusted proxies only'
	},
	// brute-force throttling
	FSA_THROTTLE: {
		schema: T.Boolean(),
		shown: 'true',
		doc: 'refuse (429, Retry-After) password checks after too many failures, before any hashing'
	},
	FSA_THROTTLE_WINDOW: {
		schema: T.Number({ exclusiveMinimum: 0 }),
		shown: '15.0',
		doc: 'minutes during which failed password checks are counted'
	},
	FSA_THROTTLE_LOGIN: {
		schema: T.Integer({ minimum: 1 }),
		shown: '10',
		doc: 'failures allowed for one login from one client address within the window'
	},
	FSA_THROTTLE_ADDRESS: {
		schema: T.Integer({ minimum: 1 }),
		shown: '100',
		doc: 'failures allowed from one client address within the window, across logins'
	},
	// caching
	FSA_CACHE: {
		schema: T.String(),
		shown: '"ttl"',
		doc: 'cache of password lookups, group checks, object permissions, tokens, revocations and throttling counters: ttl, lru, none (in memory), or redis (shared by instances)'
	},
	FSA_CACHE_SIZE: {
		schema: T.Integer({ minimum: 1 }),
		shown: '262144',
		doc: 'most entries the cache keeps'
	},
	FSA_CACHE_OPTS: {
		schema: T.Object(
			{ ttl: T.Optional(T.Number({ exclusiveMinimum: 0 })), url: T.Optional(T.String()) },
			{ additionalProperties: false }
		),
		shown: '{ ttl = 600 }',
		doc: 'cache options: ttl, seconds an entry lives (ttl and redis); url, the Redis server (redis)'
	},
	FSA_CACHE_PREFIX: { schema: T.String(), shown: '""', doc: 'prefix of cache keys' }
} satisfies Record<string, Directive>

export type DirectiveName = keyof typeof DIRECTIVES
