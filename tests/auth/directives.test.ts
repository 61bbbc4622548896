/**
 * The directive documentation agrees with the code, both ways: every directive the code
 * accepts is documented, and nothing documented as supported is refused.
 */
import { describe, expect, it } from 'bun:test'
import { DIRECTIVES, parseSettings, type Directive, type DirectiveName } from '../../src/auth'
import { directiveCells } from '../../scripts/directives'

const directives = new Set(Object.keys(DIRECTIVES))

/** Rows of a markdown table whose first cell is a directive: [name, ...other cells]. */
async function tableRows(path: string): Promise<string[][]> {
	const text = await Bun.file(new URL(`../../${path}`, import.meta.url)).text()
	return text
		.split('\n')
		.filter((line) => /^\| `FSA_/.test(line))
		.map((line) =>
			line
				.slice(1, -1)
				.split(/(?<!\\)\|/)
				.map((cell) => cell.trim().replace(/^`|`$/g, ''))
		)
}

describe('docs/DIRECTIVES.md', () => {
	it('lists every directive the code accepts as toml or extension', async () => {
		const rows = await tableRows('docs/DIRECTIVES.md')
		const accepted = rows
			.filter(([, status]) => status === 'toml' || status === 'extension')
			.map(([name]) => name)
		expect(new Set(accepted)).toEqual(directives)
	})

	it('gives every other FlaskSimpleAuth directive a status and a reason', async () => {
		const rows = await tableRows('docs/DIRECTIVES.md')
		for (const [name, status, , meaning] of rows) {
			expect(['toml', 'extension', 'code', 'n/a']).toContain(status)
			if (status === 'code' || status === 'n/a') {
				expect(directives.has(name)).toBe(false)
				expect(meaning.length).toBeGreaterThan(10)
			}
		}
		expect(rows.length).toBeGreaterThanOrEqual(62)
	})

	it('refuses the directives it marks code or n/a in a configuration file', async () => {
		const rows = await tableRows('docs/DIRECTIVES.md')
		for (const [name, status] of rows)
			if (status === 'code' || status === 'n/a')
				expect(() => parseSettings({ FSA_AUTH: 'basic', [name]: 'x' })).toThrow(name)
	})
})

describe('README.md', () => {
	it('has a row for every directive, and only for them', async () => {
		const names = (await tableRows('README.md')).map(([name]) => name)
		expect(new Set(names)).toEqual(directives)
		expect(names.length).toBe(directives.size)
	})
})

describe('the directive table', () => {
	it('makes the README table and the supported rows of docs/DIRECTIVES.md, cell for cell', async () => {
		for (const path of ['README.md', 'docs/DIRECTIVES.md']) {
			const rows = await tableRows(path)
			for (const row of rows) {
				const [name] = row
				const made = directiveCells(name)
				if (made === undefined) continue
				// README: name, default, meaning; docs/DIRECTIVES.md: name, status, default, meaning
				const [shown, meaning] = path === 'README.md' ? row.slice(1) : row.slice(2)
				expect([name, shown, meaning]).toEqual([
					name,
					...made.map((text) => text.replaceAll('\\|', '|'))
				])
			}
		}
	})

	it('gives the defaults the settings use', () => {
		const settings = parseSettings({ FSA_AUTH: 'basic' })
		const used: Partial<Record<DirectiveName, unknown>> = {
			FSA_PARAM_USER: settings.paramUser,
			FSA_PARAM_PASS: settings.paramPass,
			FSA_FAKE_LOGIN: settings.fakeLogin,
			// header names are compared without case
			FSA_HTTPD_HEADER: settings.httpdHeader,
			FSA_APIKEY_HEADER: settings.apikeyHeader,
			FSA_TRUSTED_PROXIES: settings.trustedProxies,
			FSA_TOKEN_TYPE: settings.token.type,
			FSA_TOKEN_CARRIER: settings.token.carrier,
			FSA_TOKEN_DELAY: settings.token.delayMinutes,
			FSA_TOKEN_GRACE: settings.token.graceMinutes,
			FSA_TOKEN_LENGTH: settings.token.length,
			FSA_TOKEN_RENEWAL: settings.token.renewal,
			FSA_AUTHZ_GROUPS: settings.authzGroups,
			FSA_AUTHZ_SCOPES: settings.authzScopes,
			FSA_REJECT_UNEXPECTED_PARAM: settings.rejectUnexpectedParam,
			FSA_PASSWORD_SCHEME: settings.password.scheme,
			FSA_PASSWORD_LENGTH: settings.password.minLength,
			FSA_PASSWORD_RE: settings.password.patterns,
			FSA_PASSWORD_CACHE: settings.passwordCache,
			FSA_MODE: settings.mode,
			FSA_ERROR_RESPONSE: settings.errorFormat.kind,
			FSA_ADD_HEADERS: settings.addHeaders,
			FSA_HANDLE_ALL_ERRORS: settings.handleAllErrors,
			FSA_NOT_FOUND_ERROR: settings.notFoundError,
			FSA_SERVER_ERROR: settings.serverError,
			FSA_URL_NAME: settings.urlName,
			FSA_CORS: settings.cors.enabled,
			FSA_CORS_OPTS: settings.cors.options,
			FSA_MAX_BODY: settings.maxBody,
			FSA_MAX_PARAMS: settings.maxParams,
			FSA_MAX_DEPTH: settings.maxDepth,
			FSA_SECURE: settings.secure,
			FSA_THROTTLE: settings.throttle.enabled,
			FSA_THROTTLE_WINDOW: settings.throttle.windowSeconds / 60,
			FSA_THROTTLE_LOGIN: settings.throttle.perLogin,
			FSA_THROTTLE_ADDRESS: settings.throttle.perAddress,
			FSA_CACHE: settings.cache.kind,
			FSA_CACHE_SIZE: settings.cache.size,
			FSA_CACHE_PREFIX: settings.cache.prefix
		}
		for (const [name, directive] of Object.entries(DIRECTIVES) as [DirectiveName, Directive][]) {
			if (directive.default === undefined) continue
			expect(name in used, `${name} has a default: check it here`).toBe(true)
			// header names are kept in lower case: they are compared without case
			const expected = name.endsWith('_HEADER')
				? String(directive.default).toLowerCase()
				: directive.default
			expect(used[name], name).toEqual(expected)
		}
	})

	it('takes only the values it lists, for a directive that takes one of a list', () => {
		for (const [name, directive] of Object.entries(DIRECTIVES) as [DirectiveName, Directive][]) {
			if (directive.values === undefined) continue
			expect(() => parseSettings({ FSA_AUTH: 'basic', [name]: 'pigeon' })).toThrow(
				new RegExp(`^${name} must be one of `)
			)
		}
		expect(() => parseSettings({ FSA_AUTH: 'basic', FSA_CACHE: 'pigeon' })).toThrow(
			'FSA_CACHE must be one of ttl, lru, none, redis (got "pigeon")'
		)
	})
})
