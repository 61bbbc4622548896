/**
 * `acme routes`: the service's security contract in one table, as text and JSON, under the
 * configuration given (the schemes depend on it); bad usage and bad configurations fail in one line.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Binary } from '../support/binary'
import type { RouteRow } from '../../src/auth'

/** The tutorial's last section: passwords enabled, tokens by default, JSON errors. */
const FINAL = `
FSA_AUTH = "password"
FSA_AUTH_DEFAULT = "token"
FSA_REALM = "shop"
FSA_TOKEN_TYPE = "jwt"
FSA_TOKEN_SECRET = "change-me-to-a-long-random-secret"
`

const binary = new Binary('acme-routes-')

beforeAll(() => {
	binary.build()
})

afterAll(() => binary.cleanup())

/** The cells of each line of the text table. */
async function table(args: string[] = []): Promise<string[][]> {
	const exit = await binary.exec(['routes', ...args])
	expect(exit.stderr).toBe('')
	expect(exit.code).toBe(0)
	return exit.stdout
		.trimEnd()
		.split('\n')
		.map((line) => line.split(/\s{2,}/))
}

async function json(args: string[] = []): Promise<RouteRow[]> {
	const exit = await binary.exec(['routes', '--json', ...args])
	expect(exit.stderr).toBe('')
	expect(exit.code).toBe(0)
	return JSON.parse(exit.stdout)
}

const row = (rows: string[][], method: string, path: string) =>
	rows.find((cells) => cells[0] === method && cells[1] === path)

describe('acme routes', () => {
	test('prints every route with authz, authn, realm and parameters under the built-in configuration', async () => {
		const rows = await table()
		expect(rows[0]).toEqual(['METHOD', 'PATH', 'AUTHZ', 'AUTHN', 'REALM', 'PARAMETERS'])
		expect(row(rows, 'GET', '/hello')).toEqual([
			'GET',
			'/hello',
			'OPEN',
			'token,basic,param,apikey,none',
			'acme',
			'-'
		])
		expect(row(rows, 'GET', '/health')).toEqual(['GET', '/health', 'OPEN', 'none', 'acme', '-'])
		expect(row(rows, 'GET', '/hello-me')?.slice(2, 4)).toEqual(['AUTH', 'token,basic,param,apikey,none'])
		expect(row(rows, 'PATCH', '/stuff/:sid')).toEqual([
			'PATCH',
			'/stuff/:sid',
			'["stuff","sid","owner"]',
			'token,basic,param,apikey,none',
			'acme',
			'sid: string (path), price: number'
		])
		expect(row(rows, 'POST', '/user')?.slice(2)).toEqual([
			'admin',
			'token,basic,param,apikey,none',
			'acme',
			'login: string, password: string, email: string'
		])
		expect(row(rows, 'POST', '/token')?.[3]).toBe('param')
		expect(row(rows, 'GET', '/primes')?.[5]).toBe('li: integer[]')
		expect(row(rows, 'GET', '/days')?.[5]).toBe('who: { name: string, born: string(date) }')
		expect(row(rows, 'GET', '/len')?.[5]).toBe('p: json')
		expect(row(rows, 'DELETE', '/token')?.[5]).toBe('presented: string (special: token)')
		// a key is made with a password or a token, never with another key
		expect(row(rows, 'POST', '/key')?.slice(2, 4)).toEqual(['AUTH', 'token,basic,param'])
	})

	test('--json gives the same routes, in the same order, as typed rows', async () => {
		const [rows, text] = await Promise.all([json(), table()])
		expect(rows.map((route) => [route.method, route.path])).toEqual(
			text.slice(1).map((cells) => cells.slice(0, 2))
		)
		const patch = rows.find((route) => route.method === 'PATCH')
		expect(patch).toEqual({
			method: 'PATCH',
			path: '/stuff/:sid',
			authz: '["stuff","sid","owner"]',
			authn: ['token', 'basic', 'param', 'apikey', 'none'],
			ownAuthn: false,
			realm: 'acme',
			parameters: [
				{ name: 'sid', type: 'string', required: true, in: 'path' },
				{ name: 'price', type: 'number', required: true, in: 'request' }
			]
		})
		for (const route of rows)
			expect(route.authn.length, `${route.method} ${route.path}`).toBeGreaterThan(0)
	})

	test('--config changes the schemes and the realm', async () => {
		const config = binary.file(FINAL)
		const rows = await json(['--config', config])
		const find = (method: string, path: string) =>
			rows.find((route) => route.method === method && route.path === path)!
		// routes without authn take FSA_AUTH_DEFAULT
		expect(find('GET', '/hello-me')).toMatchObject({ authn: ['token'], ownAuthn: false, realm: 'shop' })
		expect(find('PATCH', '/stuff/:sid').authn).toEqual(['token'])
		// the tutorial's open routes stay open; GET /token keeps taking passwords
		expect(find('GET', '/hello').authn).toEqual(['none'])
		expect(find('GET', '/token').authn).toEqual(['token', 'basic', 'param'])
		const text = await table(['--config', config])
		expect(row(text, 'GET', '/hello-me')?.slice(2, 5)).toEqual(['AUTH', 'token', 'shop'])
	})

	test('without token routes when the configuration disables tokens', async () => {
		const config = binary.file('FSA_AUTH = ["basic", "none"]\nFSA_TOKEN_TYPE = "none"\n')
		const rows = await json(['--config', config])
		expect(rows.some((route) => route.path === '/token')).toBe(false)
		expect(rows.find((route) => route.path === '/hello-me')?.authn).toEqual(['basic', 'none'])
	})

	test('bad usage and bad configurations fail in one line, printing no table', async () => {
		const extra = await binary.exec(['routes', 'all'])
		expect(extra.code).toBe(2)
		expect(extra.stderr.split('\n')[0]).toBe('acme: unexpected argument: all')
		expect(extra.stdout).toBe('')
		const db = await binary.exec(['routes', '--db', 'acme.db'])
		expect(db.code).toBe(2)
		expect(db.stderr.split('\n')[0]).toBe('acme: --db is not an option of acme routes')
		const bad = await binary.exec(['routes', '--config', binary.file('FSA_AUTH = ["pigeon"]\n')])
		expect(bad.code).toBe(1)
		expect(bad.stdout).toBe('')
		expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1)
		expect(bad.stderr).toMatch(/^acme: configuration error: FSA_AUTH .*pigeon/)
		const missing = await binary.exec(['routes', '--json', '--config', '/nonexistent/acme.toml'])
		expect(missing.code).toBe(1)
		expect(missing.stdout).toBe('')
		expect(missing.stderr).toBe(
			'acme: configuration error: configuration file not found: /nonexistent/acme.toml\n'
		)
	})

	test('is in the help', async () => {
		const help = await binary.exec(['--help'])
		expect(help.stdout).toContain('routes [--json]')
		const own = await binary.exec(['routes', '--help'])
		expect(own.code).toBe(0)
		expect(own.stdout).toStartWith('usage: acme routes [--json]')
	})
})
