/**
 * FlaskSimpleAuth directives checked and normalised into the `Settings` the framework runs
 * on. The directives themselves are listed once, in `directives/`.
 */
import { ConfigError, parseErrorFormat, type ErrorFormat } from '../errors'
import type { CacheSettings } from '../cache/cache'
import type { ThrottleSettings } from '../authn/throttle'
import { valueOf } from './directives'
import { checkDirectiveCase, parseTomlFile } from './toml'
import { type OtpOptions } from '../authn/otp'
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
import { SCHEMES, MODES, type Scheme, type Mode, type TokenCarrier, type PasswordScheme } from './values'

import { checkHeaderValues, checkTypes, choice, fail } from './checks'
import { cacheSettings, passwordSettings, tokenSettings } from './sections'

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
