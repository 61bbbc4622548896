/**
 * FlaskSimpleAuth directives: expansion of FSA_AUTH, type checks naming the directive,
 * defaults, and TOML loading.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfigFile, parseSettings, type RawConfig } from '../../src/auth'

/** The ConfigError thrown by parseSettings, or a failure when none is thrown. */
function configError(raw: RawConfig): ConfigError {
	try {
		parseSettings(raw, 'test')
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigError)
		return error as ConfigError
	}
	throw new Error(`no ConfigError for ${JSON.stringify(raw)}`)
}

describe('FSA_AUTH', () => {
	it('expands a scalar scheme X into token, X, none', () => {
		expect(parseSettings({ FSA_AUTH: 'basic' }).auth).toEqual(['token', 'basic', 'none'])
		expect(parseSettings({ FSA_AUTH: 'param' }).auth).toEqual(['token', 'param', 'none'])
	})

	it('expands the scalar "password" into basic and param', () => {
		expect(parseSettings({ FSA_AUTH: 'password' }).auth).toEqual(['token', 'basic', 'param', 'none'])
	})

	it('keeps the scalars "token" and "none" as they are', () => {
		expect(parseSettings({ FSA_AUTH: 'token' }).auth).toEqual(['token'])
		expect(parseSettings({ FSA_AUTH: 'none' }).auth).toEqual(['none'])
	})

	it('takes a list as is, in order, without adding token or none', () => {
		expect(parseSettings({ FSA_AUTH: ['basic', 'param'] }).auth).toEqual(['basic', 'param'])
		expect(parseSettings({ FSA_AUTH: ['none', 'token', 'basic'] }).auth).toEqual([
			'none',
			'token',
			'basic'
		])
	})

	it('expands "password" inside a list and removes duplicates', () => {
		expect(parseSettings({ FSA_AUTH: ['basic', 'password', 'none'] }).auth).toEqual([
			'basic',
			'param',
			'none'
		])
	})

	it('refuses an unknown scheme, naming FSA_AUTH and the scheme', () => {
		const scalar = configError({ FSA_AUTH: 'pigeon' })
		expect(scalar.message).toContain('FSA_AUTH')
		expect(scalar.message).toContain('"pigeon"')
		expect(configError({ FSA_AUTH: ['basic', 'oauth'] }).message).toContain('FSA_AUTH')
	})

	it('is required, and may not be empty', () => {
		expect(configError({}).message).toContain('FSA_AUTH')
		expect(configError({ FSA_REALM: 'x' }).message).toContain('FSA_AUTH')
		expect(configError({ FSA_AUTH: [] }).message).toContain('FSA_AUTH')
	})

	it('refuses a value that is neither a string nor a list of strings', () => {
		expect(configError({ FSA_AUTH: 3 }).message).toStartWith('FSA_AUTH ')
		expect(configError({ FSA_AUTH: ['basic', 3] }).message).toStartWith('FSA_AUTH ')
	})
})

describe('FSA_AUTH_DEFAULT', () => {
	it('defaults to FSA_AUTH', () => {
		expect(parseSettings({ FSA_AUTH: ['basic', 'none'] }).authDefault).toEqual(['basic', 'none'])
	})

	it('is not expanded like FSA_AUTH: a scalar is that scheme alone', () => {
		expect(parseSettings({ FSA_AUTH: 'basic', FSA_AUTH_DEFAULT: 'basic' }).authDefault).toEqual(['basic'])
	})

	it('must be within FSA_AUTH, naming FSA_AUTH_DEFAULT and the scheme', () => {
		const error = configError({ FSA_AUTH: ['basic'], FSA_AUTH_DEFAULT: ['basic', 'token'] })
		expect(error.message).toContain('FSA_AUTH_DEFAULT')
		expect(error.message).toContain('"token"')
	})
})

describe('unknown and mistyped directives', () => {
	it('refuses an unknown FSA_* key, naming it', () => {
		const error = configError({ FSA_AUTH: 'basic', FSA_TOKEN_DELAI: 10 })
		expect(error.message).toBe('unexpected FSA_* directive: FSA_TOKEN_DELAI')
	})

	it('refuses the misspelled plural of FSA_REJECT_UNEXPECTED_PARAM', () => {
		expect(configError({ FSA_AUTH: 'basic', FSA_REJECT_UNEXPECTED_PARAMS: false }).message).toContain(
			'FSA_REJECT_UNEXPECTED_PARAMS'
		)
	})

	it('ignores keys that do not start with FSA_', () => {
		const settings = parseSettings({ FSA_AUTH: 'basic', ACME_DB: ':memory:', fsa_mode: 'x', PORT: 1 })
		expect(settings.mode).toBe('prod')
	})

	it.each([
		['FSA_TOKEN_DELAY', 'x'],
		['FSA_TOKEN_DELAY', 0],
		['FSA_TOKEN_GRACE', -1],
		['FSA_TOKEN_LENGTH', 16.5],
		['FSA_TOKEN_LENGTH', 4],
		['FSA_MODE', 3],
		['FSA_PASSWORD_RE', 'x'],
		['FSA_PASSWORD_RE', ['[a-z]', 1]],
		['FSA_PASSWORD_LENGTH', '8'],
		['FSA_ADD_HEADERS', { Service: 1 }],
		['FSA_ADD_HEADERS', 'Service: FSA'],
		['FSA_REJECT_UNEXPECTED_PARAM', 'false'],
		['FSA_REALM', ''],
		['FSA_PARAM_USER', 7],
		['FSA_TOKEN_SECRET', 42],
		['FSA_NOT_FOUND_ERROR', 200],
		['FSA_ERROR_RESPONSE', null]
	])('refuses %s = %j with a message naming the key', (key, value) => {
		const error = configError({ FSA_AUTH: 'basic', [key]: value })
		expect(error.message).toStartWith(`${key} `)
	})
})

describe('enumerated values', () => {
	it.each([
		['FSA_MODE', 'verbose'],
		['FSA_MODE', 'PROD'],
		['FSA_ERROR_RESPONSE', 'xml'],
		['FSA_ERROR_RESPONSE', 'json:'],
		['FSA_TOKEN_TYPE', 'paseto'],
		['FSA_TOKEN_CARRIER', 'pigeon'],
		['FSA_TOKEN_ALGO', 'md5'],
		['FSA_PASSWORD_SCHEME', 'scrypt']
	])('refuses %s = %j, naming the key and the value', (key, value) => {
		const error = configError({ FSA_AUTH: 'basic', [key]: value })
		expect(error.message).toStartWith(`${key} `)
		expect(error.message).toContain(JSON.stringify(value))
	})

	it('checks FSA_TOKEN_ALGO against the token type', () => {
		expect(parseSettings({ FSA_AUTH: 'basic', FSA_TOKEN_ALGO: 'sha256' }).token.algo).toBe('sha256')
		expect(
			configError({ FSA_AUTH: 'basic', FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ALGO: 'sha256' }).message
		).toContain('FSA_TOKEN_ALGO')
		const jwt = parseSettings({ FSA_AUTH: 'basic', FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_ALGO: 'HS512' })
		expect(jwt.token.algo).toBe('HS512')
		expect(
			configError({ FSA_AUTH: 'basic', FSA_TOKEN_TYPE: 'fsa', FSA_TOKEN_ALGO: 'HS256' }).message
		).toContain('FSA_TOKEN_ALGO')
	})

	it('accepts every FSA_MODE level, dev and above at level 2 or more', () => {
		const levels = ['prod', 'dev', 'debug', 'debug1', 'debug2', 'debug3', 'debug4'].map(
			(mode) => parseSettings({ FSA_AUTH: 'basic', FSA_MODE: mode }).level
		)
		expect(levels).toEqual([1, 2, 3, 3, 4, 5, 6])
	})

	it('parses FSA_ERROR_RESPONSE plain, json and json:KEY', () => {
		const format = (value: string) =>
			parseSettings({ FSA_AUTH: 'basic', FSA_ERROR_RESPONSE: value }).errorFormat
		expect(format('plain')).toEqual({ kind: 'plain' })
		expect(format('json')).toEqual({ kind: 'json' })
		expect(format('json:error')).toEqual({ kind: 'json-key', key: 'error' })
	})

	it('refuses token in FSA_AUTH when FSA_TOKEN_TYPE is none', () => {
		expect(configError({ FSA_AUTH: 'basic', FSA_TOKEN_TYPE: 'none' }).message).toContain('FSA_AUTH')
		expect(parseSettings({ FSA_AUTH: ['basic'], FSA_TOKEN_TYPE: 'none' }).token.type).toBeNull()
	})

	it('refuses a short FSA_TOKEN_SECRET without showing it', () => {
		const error = configError({ FSA_AUTH: 'basic', FSA_TOKEN_SECRET: 'short-secret' })
		expect(error.message).toContain('FSA_TOKEN_SECRET')
		expect(error.message).not.toContain('short-secret')
	})

	it('refuses an invalid regular expression in FSA_PASSWORD_RE', () => {
		expect(configError({ FSA_AUTH: 'basic', FSA_PASSWORD_RE: ['[a-z'] }).message).toContain(
			'FSA_PASSWORD_RE'
		)
	})

	it('refuses options of another password scheme', () => {
		expect(
			configError({
				FSA_AUTH: 'basic',
				FSA_PASSWORD_SCHEME: 'bcrypt',
				FSA_PASSWORD_OPTS: { memory_cost: 64 }
			}).message
		).toContain('FSA_PASSWORD_OPTS')
	})
})

describe('defaults', () => {
	const settings = parseSettings({ FSA_AUTH: 'basic' }, 'my app')

	it('uses the application name as the realm, case and spaces kept', () => {
		expect(settings.realm).toBe('my app')
		expect(parseSettings({ FSA_AUTH: 'basic', FSA_REALM: 'Acme' }, 'my app').realm).toBe('Acme')
	})

	it('runs in prod mode, with plain errors and no added headers', () => {
		expect(settings.mode).toBe('prod')
		expect(settings.level).toBe(1)
		expect(settings.errorFormat).toEqual({ kind: 'plain' })
		expect(settings.addHeaders).toEqual({})
	})

	it('names the param scheme parameters USER and PASS', () => {
		expect(settings.paramUser).toBe('USER')
		expect(settings.paramPass).toBe('PASS')
	})

	it('makes fsa tokens of 16 bytes with blake2s, valid 60 minutes, carried as Bearer', () => {
		expect(settings.token).toMatchObject({
			type: 'fsa',
			algo: 'blake2s256',
			delayMinutes: 60,
			graceMinutes: 0,
			length: 16,
			carrier: 'bearer',
			name: 'Bearer',
			issuer: undefined,
			secretConfigured: false
		})
		expect(settings.token.secret.length).toBeGreaterThanOrEqual(32)
	})

	it('draws a new random secret for each configuration', () => {
		expect(parseSettings({ FSA_AUTH: 'basic' }).token.secret).not.toBe(settings.token.secret)
	})

	it('uses HS256 for jwt', () => {
		expect(parseSettings({ FSA_AUTH: 'basic', FSA_TOKEN_TYPE: 'jwt' }).token.algo).toBe('HS256')
	})

	it('names the token after its carrier unless FSA_TOKEN_NAME is set', () => {
		const name = (config: RawConfig) => parseSettings({ FSA_AUTH: 'basic', ...config }).token.name
		expect(name({ FSA_TOKEN_CARRIER: 'param' })).toBe('AUTH')
		expect(name({ FSA_TOKEN_CARRIER: 'header' })).toBe('Auth')
		expect(name({ FSA_TOKEN_CARRIER: 'header', FSA_TOKEN_NAME: 'HoHoHo' })).toBe('HoHoHo')
	})

	it('rejects unexpected parameters, with 404 and 500 as the error statuses', () => {
		expect(settings.rejectUnexpectedParam).toBe(true)
		expect(settings.notFoundError).toBe(404)
		expect(settings.serverError).toBe(500)
	})

	it('hashes passwords with argon2 and no strength rules', () => {
		expect(settings.password.scheme).toBe('argon2')
		expect(settings.password.minLength).toBe(0)
		expect(settings.password.patterns).toEqual([])
	})

	it('takes configured values over the defaults', () => {
		const custom = parseSettings({
			FSA_AUTH: 'basic',
			FSA_PARAM_USER: 'username',
			FSA_TOKEN_DELAY: 10.5,
			FSA_TOKEN_SECRET: 'a-secret-of-enough-length',
			FSA_REJECT_UNEXPECTED_PARAM: false
		})
		expect(custom.paramUser).toBe('username')
		expect(custom.token.delayMinutes).toBe(10.5)
		expect(custom.token.secret).toBe('a-secret-of-enough-length')
		expect(custom.token.secretConfigured).toBe(true)
		expect(custom.rejectUnexpectedParam).toBe(false)
	})
})

describe('loadConfigFile', () => {
	let dir: string
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'fsa-config-'))
	})
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true })
	})

	it('reads the directives of a TOML file', async () => {
		const path = join(dir, 'acme.conf')
		await Bun.write(
			path,
			[
				'FSA_AUTH = ["token", "basic", "param", "none"]',
				'FSA_MODE = "debug1"',
				'FSA_ADD_HEADERS = { "Application" = "Acme" }',
				'FSA_TOKEN_DELAY = 10',
				"FSA_PASSWORD_RE = [ '[A-Z]', '[a-z]', '[0-9]' ]"
			].join('\n')
		)
		const raw = await loadConfigFile(path)
		expect(raw).toEqual({
			FSA_AUTH: ['token', 'basic', 'param', 'none'],
			FSA_MODE: 'debug1',
			FSA_ADD_HEADERS: { Application: 'Acme' },
			FSA_TOKEN_DELAY: 10,
			FSA_PASSWORD_RE: ['[A-Z]', '[a-z]', '[0-9]']
		})
		expect(parseSettings(raw).addHeaders).toEqual({ Application: 'Acme' })
	})

	it('refuses a missing file with a ConfigError naming it', async () => {
		const path = join(dir, 'missing.toml')
		const error = await loadConfigFile(path).catch((caught: unknown) => caught)
		expect(error).toBeInstanceOf(ConfigError)
		expect((error as Error).message).toContain(path)
	})

	it('refuses invalid TOML with a ConfigError naming the file', async () => {
		const path = join(dir, 'bad.toml')
		await Bun.write(path, 'FSA_AUTH = ["basic"\n')
		const error = await loadConfigFile(path).catch((caught: unknown) => caught)
		expect(error).toBeInstanceOf(ConfigError)
		expect((error as Error).message).toContain('not valid TOML')
		expect((error as Error).message).toContain(path)
	})

	it.each([
		['FSA_AUTH = "basic"\nFSA_MODE = \n', 2, 10, "Missing value after '='"],
		['FSA_AUTH = "basic"\n\n  FSA_REALM = "a" "b"\n', 3, 19, 'Expected a newline'],
		['FSA_AUTH = [\n  "basic",\n  none\n]\n', 3, 6, 'Strings must be quoted'],
		['FSA_AUTH = "basic"\r\nFSA_AUTH = "param"\r\n', 2, 18, "Cannot redefine key 'FSA_AUTH'"],
		['FSA_REALM = "acme\n', 1, 13, 'Unterminated string']
	])('gives the line and column of a TOML syntax error (%j)', async (text, line, column, reason) => {
		const path = join(dir, 'syntax.toml')
		await Bun.write(path, text)
		const error = await loadConfigFile(path).catch((caught: unknown) => caught)
		expect(error).toBeInstanceOf(ConfigError)
		expect((error as Error).message).toStartWith(`${path}:${line}:${column}: not valid TOML: ${reason}`)
		expect((error as Error).message).not.toContain('\n')
	})

	it.each([
		['fsa_auth = "basic"\n', 1, 'fsa_auth', 'FSA_AUTH'],
		['FSA_AUTH = "basic"\n\n Fsa_Token_Delay = 5\n', 3, 'Fsa_Token_Delay', 'FSA_TOKEN_DELAY']
	])('refuses a directive not in upper case, naming it (%j)', async (text, line, key, upper) => {
		const path = join(dir, 'case.toml')
		await Bun.write(path, text)
		const error = await loadConfigFile(path).catch((caught: unknown) => caught)
		expect(error).toBeInstanceOf(ConfigError)
		expect((error as Error).message).toBe(
			`${path}:${line}: ${key}: directive names are upper case: did you mean ${upper}?`
		)
	})

	it('keeps other keys of any case for the application', async () => {
		const path = join(dir, 'other.toml')
		await Bun.write(path, 'FSA_AUTH = "basic"\nacme_db = "x"\nfsa = 1\n[table]\nfsa_key = 1\n')
		expect(Object.keys(await loadConfigFile(path))).toEqual(['FSA_AUTH', 'acme_db', 'fsa', 'table'])
	})

	it('leaves type errors to parseSettings, which names the key', async () => {
		const path = join(dir, 'typo.toml')
		await Bun.write(path, 'FSA_AUTH = "basic"\nFSA_TOKEN_DELAY = "ten"\n')
		const raw = await loadConfigFile(path)
		expect(configError(raw).message).toStartWith('FSA_TOKEN_DELAY ')
	})
})

describe('FSA_TRUSTED_PROXIES', () => {
	it('takes IPv4 and IPv6 addresses', () => {
		const addresses = ['127.0.0.1', '10.1.2.3', '::1', 'fd00::5']
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_TRUSTED_PROXIES: addresses })).not.toThrow()
	})

	it('refuses anything else, naming the directive and the value', () => {
		for (const address of ['localhost', '10.1.2', '10.0.0.0/8', '::g', ' 10.1.2.3'])
			expect(
				configError({ FSA_AUTH: 'basic', FSA_TRUSTED_PROXIES: ['127.0.0.1', address] }).message
			).toContain(`FSA_TRUSTED_PROXIES must list IP addresses (got ${JSON.stringify(address)})`)
	})
})
