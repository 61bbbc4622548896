/**
 * routeTable: every route of an app with what its compiled declaration requires, the table a
 * reviewer reads and CI diffs.
 */
import { describe, expect, test } from 'bun:test'
import { Elysia, t } from 'elysia'
import {
	CurrentUser,
	Cookie,
	Header,
	JsonData,
	SimpleAuth,
	formatRouteTable,
	routeTable,
	simpleAuth
} from '../../src/auth'

function makeAuth(config: Record<string, unknown> = {}) {
	return new SimpleAuth({
		name: 'shop',
		config: {
			FSA_AUTH: ['token', 'basic', 'param', 'none'],
			FSA_AUTH_DEFAULT: ['token', 'basic'],
			...config
		}
	})
		.groupCheck('admin', () => true)
		.objectPerms('item', () => true)
}

function makeApp(auth: SimpleAuth) {
	return new Elysia()
		.use(simpleAuth(auth))
		.get('/hello', () => 'hello', { authz: 'OPEN', authn: ['none'] })
		.get('/me', ({ user }) => user, { authz: 'AUTH', realm: 'private' })
		.patch('/items/:id', () => 'ok', {
			authz: ['item', 'id', 'owner'],
			authn: ['basic'],
			args: t.Object({ id: t.Integer(), price: t.Number(), note: t.Optional(t.String()) })
		})
		.post('/users', () => 'ok', {
			authz: ['admin', 'AUTH'],
			args: t.Object({
				login: t.String(),
				tags: t.Array(t.String()),
				born: t.String({ format: 'date' }),
				data: JsonData(),
				who: CurrentUser(),
				user_agent: Header(),
				theme: Cookie({ default: 'light' }),
				kind: t.Union([t.Literal('a'), t.Literal('b')])
			})
		})
}

describe('routeTable', () => {
	test('gives each route its method, path, authz, effective schemes, realm and parameters', () => {
		const auth = makeAuth()
		const rows = routeTable(makeApp(auth), auth)
		expect(rows.map((row) => `${row.method} ${row.path}`)).toEqual([
			'GET /hello',
			'GET /me',
			'PATCH /items/:id',
			'POST /users'
		])
		expect(rows[0]).toEqual({
			method: 'GET',
			path: '/hello',
			authz: 'OPEN',
			authn: ['none'],
			ownAuthn: true,
			realm: 'shop',
			parameters: []
		})
		// no authn: FSA_AUTH_DEFAULT; the route's own realm
		expect(rows[1]).toMatchObject({
			authz: 'AUTH',
			authn: ['token', 'basic'],
			ownAuthn: false,
			realm: 'private'
		})
		expect(rows[2]).toMatchObject({ authz: '["item","id","owner"]', authn: ['basic'] })
		expect(rows[2].parameters).toEqual([
			{ name: 'id', type: 'integer', required: true, in: 'path' },
			{ name: 'price', type: 'number', required: true, in: 'request' },
			{ name: 'note', type: 'string', required: false, in: 'request' }
		])
		expect(rows[3].authz).toBe('["admin","AUTH"]')
		expect(rows[3].parameters).toEqual([
			{ name: 'login', type: 'string', required: true, in: 'request' },
			{ name: 'tags', type: 'string[]', required: true, in: 'request' },
			{ name: 'born', type: 'string(date)', required: true, in: 'request' },
			{ name: 'data', type: 'json', required: true, in: 'request' },
			{ name: 'who', type: 'string', required: true, in: 'special', special: 'user' },
			{ name: 'user_agent', type: 'string', required: true, in: 'header' },
			{ name: 'theme', type: 'string', required: false, in: 'cookie' },
			{ name: 'kind', type: '"a" | "b"', required: true, in: 'request' }
		])
	})

	test('follows the configuration: FSA_AUTH_DEFAULT and FSA_REALM', () => {
		const auth = makeAuth({ FSA_AUTH_DEFAULT: ['param'], FSA_REALM: 'elsewhere' })
		const rows = routeTable(makeApp(auth), auth)
		expect(rows[1]).toMatchObject({ path: '/me', authn: ['param'], realm: 'private' })
		expect(rows[3]).toMatchObject({ path: '/users', authn: ['param'], realm: 'elsewhere' })
	})

	test('a route the plugin does not serve reads as CLOSE, with the default schemes', () => {
		const auth = makeAuth()
		const app = new Elysia().get('/bare', () => 'bare').use(makeApp(auth))
		expect(routeTable(app, auth)[0]).toEqual({
			method: 'GET',
			path: '/bare',
			authz: 'CLOSE',
			authn: ['token', 'basic'],
			ownAuthn: false,
			realm: 'shop',
			parameters: []
		})
	})

	test('formats as aligned text, one route a line', () => {
		const auth = makeAuth()
		const text = formatRouteTable(routeTable(makeApp(auth), auth))
		const lines = text.split('\n')
		expect(lines).toHaveLength(5)
		expect(lines[0].split(/\s{2,}/)).toEqual(['METHOD', 'PATH', 'AUTHZ', 'AUTHN', 'REALM', 'PARAMETERS'])
		expect(lines[3].split(/\s{2,}/)).toEqual([
			'PATCH',
			'/items/:id',
			'["item","id","owner"]',
			'basic',
			'shop',
			'id: integer (path), price: number, note?: string'
		])
		expect(lines[4]).toContain(
			'who: string (special: user), user_agent: string (header), theme?: string (cookie)'
		)
		// columns line up: every PATH cell starts where the header's does
		const column = lines[0].indexOf('PATH')
		for (const line of lines.slice(1)) expect(line[column - 1]).toBe(' ')
		for (const line of lines.slice(1)) expect(line[column]).toBe('/')
	})
})
