/**
 * The OpenAPI document of Acme in process: every route with its parameters, `security` from
 * `authn`/`authz` and the enabled schemes; the docs page and its assets; `/health`.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { createAcme, DEFAULT_CONFIG } from '../../src/acme'
import { checkRoutes, openapiDocument, type OpenApiDocument, type RawConfig } from '../../src/auth'
import { call, FAST_PASSWORDS } from '../support/helpers'

const SECRET = { FSA_TOKEN_SECRET: 'some-good-and-long-secret-for-token-signature' }
const stores: { close(): void }[] = []

afterEach(async () => {
	for (const store of stores.splice(0)) await store.close()
})

async function acme(config: RawConfig = DEFAULT_CONFIG) {
	const service = await createAcme({ config: { ...config, ...FAST_PASSWORDS } })
	stores.push(service.store)
	return service
}

/** The document the service serves. */
async function documentOf(config?: RawConfig): Promise<OpenApiDocument> {
	const { app } = await acme(config)
	const response = await call(app, 'GET', '/openapi/json')
	expect(response.status).toBe(200)
	expect(response.headers.get('content-type')).toContain('application/json')
	return response.json
}

const ROUTES = [
	'get /health',
	'get /hello',
	'get /hello-me',
	'post /stuff',
	'get /stuff',
	'patch /stuff/{sid}',
	'get /token',
	'post /token',
	'delete /token',
	'post /user',
	'post /token/otp',
	'post /user/otp',
	'delete /user/otp',
	'delete /user/{login}/otp',
	'post /key',
	'get /key',
	'delete /key/{id}',
	'get /days',
	'get /primes',
	'get /len'
]

describe('GET /openapi/json', () => {
	test('is an OpenAPI 3 document of every route but the docs routes', async () => {
		const { app, auth } = await acme()
		const doc = (await call(app, 'GET', '/openapi/json')).json as OpenApiDocument
		expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/)
		expect(doc.info).toEqual({ title: 'Acme', version: expect.any(String) })
		const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
			Object.keys(methods).map((method) => `${method} ${path}`)
		)
		expect(operations.sort()).toEqual([...ROUTES].sort())
		for (const [path, methods] of Object.entries(doc.paths))
			for (const [method, operation] of Object.entries(methods)) {
				expect(operation.responses, `${method} ${path}`).toBeDefined()
				expect(typeof operation['x-authz'], `${method} ${path}`).toBe('string')
			}
		// the same document as the framework function makes from the app
		expect(openapiDocument(app, auth, doc.info)).toEqual(doc)
	})

	test('OPEN routes need no security; others list the default schemes', async () => {
		const { paths } = await documentOf()
		for (const path of ['/hello', '/health', '/days', '/primes', '/len']) {
			expect(paths[path].get.security, path).toEqual([])
			expect(paths[path].get['x-authz'], path).toBe('OPEN')
		}
		expect(paths['/hello-me'].get.security).toEqual([
			{ bearerAuth: [] },
			{ basicAuth: [] },
			{ paramAuth: [] },
			{ apikeyAuth: [] }
		])
		expect(paths['/hello-me'].get['x-authz']).toBe('AUTH')
		expect(paths['/user'].post['x-authz']).toBe('admin')
		// a route's own authn: POST /token takes the param scheme only
		expect(paths['/token'].post.security).toEqual([{ paramAuth: [] }])
		// a key is made with a password or a token, never with another key
		expect(paths['/key'].post.security).toEqual([
			{ bearerAuth: [] },
			{ basicAuth: [] },
			{ paramAuth: [] }
		])
		expect(paths['/key'].get.security).toContainEqual({ apikeyAuth: [] })
	})

	test('path parameters, body parameters and the object permission rule', async () => {
		const patch = (await documentOf()).paths['/stuff/{sid}'].patch as any
		expect(patch.parameters).toEqual([
			{ name: 'sid', in: 'path', required: true, schema: { type: 'string' } }
		])
		expect(patch['x-authz']).toBe('["stuff","sid","owner"]')
		const schema = { type: 'object', properties: { price: { type: 'number' } }, required: ['price'] }
		expect(patch.requestBody.content['application/json'].schema).toEqual(schema)
		expect(patch.requestBody.content['application/x-www-form-urlencoded'].schema).toEqual(schema)
		expect(Object.keys(patch.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '404']))
	})

	test('query parameters of GET routes: lists, JSON objects and JSON data', async () => {
		const { paths } = await documentOf()
		expect(paths['/primes'].get.parameters).toEqual([
			{ name: 'li', in: 'query', required: true, schema: { type: 'array', items: { type: 'integer' } } }
		])
		const [who] = (paths['/days'].get as any).parameters
		expect(who).toMatchObject({ name: 'who', in: 'query', required: true })
		expect(who.content['application/json'].schema).toMatchObject({
			type: 'object',
			properties: { name: { type: 'string' }, born: { type: 'string', format: 'date' } }
		})
		const [p] = (paths['/len'].get as any).parameters
		expect(p.content['application/json'].schema).toEqual({ description: 'any JSON value' })
		expect(paths['/hello'].get.parameters).toBeUndefined()
	})

	test('the security schemes are the enabled ones: basic, bearer, param and apikey by default', async () => {
		const { components } = await documentOf()
		expect(components.securitySchemes).toEqual({
			basicAuth: { type: 'http', scheme: 'basic' },
			bearerAuth: { type: 'http', scheme: 'bearer', description: expect.any(String) },
			paramAuth: {
				type: 'apiKey',
				in: 'query',
				name: 'username',
				description: expect.stringContaining('"password"')
			},
			apikeyAuth: { type: 'apiKey', in: 'header', name: 'x-api-key', description: expect.any(String) }
		})
	})

	test('basic and none only: no bearer, no param', async () => {
		const { paths, components } = await documentOf({ FSA_AUTH: ['basic', 'none'] })
		expect(Object.keys(components.securitySchemes)).toEqual(['basicAuth'])
		expect(paths['/hello-me'].get.security).toEqual([{ basicAuth: [] }])
		expect(paths['/hello'].get.security).toEqual([])
		expect(paths['/token'].get.security).toEqual([{ basicAuth: [] }])
	})

	test('JWT tokens: bearerFormat JWT; the tutorial final config keeps OPEN routes open', async () => {
		const config = { FSA_AUTH: 'password', FSA_AUTH_DEFAULT: 'token', FSA_TOKEN_TYPE: 'jwt', ...SECRET }
		const { paths, components } = await documentOf(config)
		expect(components.securitySchemes.bearerAuth).toMatchObject({ scheme: 'bearer', bearerFormat: 'JWT' })
		expect(paths['/hello-me'].get.security).toEqual([{ bearerAuth: [] }])
		expect(paths['/hello'].get.security).toEqual([])
	})

	test('other token carriers are API keys named FSA_TOKEN_NAME', async () => {
		const carriers = { param: ['query', 'AUTH'], header: ['header', 'Auth'], cookie: ['cookie', 'auth'] }
		for (const [carrier, [where, name]] of Object.entries(carriers)) {
			const config = { FSA_AUTH: ['token', 'none'], FSA_TOKEN_CARRIER: carrier, ...SECRET }
			const { paths, components } = await documentOf(config)
			expect(components.securitySchemes, carrier).toEqual({
				tokenAuth: { type: 'apiKey', in: where, name, description: expect.any(String) }
			})
			expect(paths['/hello-me'].get.security, carrier).toEqual([{ tokenAuth: [] }])
		}
	})
})

describe('GET /openapi', () => {
	test('is an HTML page whose scripts and styles the service serves itself', async () => {
		const { app } = await acme()
		const page = await call(app, 'GET', '/openapi')
		expect(page.status).toBe(200)
		expect(page.headers.get('content-type')).toContain('text/html')
		const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1])
		expect(sources.length).toBeGreaterThan(0)
		for (const source of sources.filter((source) => !source.startsWith('data:'))) {
			// relative to the page, so that a proxy's path prefix stays in front of them
			expect(source).toStartWith('openapi/')
			const asset = await call(app, 'GET', new URL(source, 'http://localhost/openapi').pathname)
			expect(asset.status, source).toBe(200)
			expect(asset.headers.get('content-type'), source).toMatch(/^text\/(javascript|css)/)
			expect(asset.text.length, source).toBeGreaterThan(1000)
		}
	})
})

describe('GET /openapi/assets/...', () => {
	test("serves swagger-ui-dist's files less any source map comment, on every request", async () => {
		const { app } = await acme()
		for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
			const original = await Bun.file(require.resolve(`swagger-ui-dist/${name}`)).text()
			for (const round of [1, 2]) {
				const asset = await call(app, 'GET', `/openapi/assets/${name}`)
				// booleans and lengths: a failure would otherwise print megabytes
				expect(
					{
						status: asset.status,
						cache: asset.headers.get('cache-control'),
						sourceMap: asset.text.includes('sourceMappingURL'),
						prefix: original.startsWith(asset.text),
						cut: original.length - asset.text.length < 200
					},
					`${name}, request ${round}`
				).toEqual({
					status: 200,
					cache: 'public, max-age=3600',
					sourceMap: false,
					prefix: true,
					cut: true
				})
			}
		}
	})
})

describe('GET /health', () => {
	test('200 when the database answers, without authentication', async () => {
		const { app } = await acme()
		const response = await call(app, 'GET', '/health')
		expect(response.status).toBe(200)
		// no cache field: the in-memory cache is no dependency
		expect(response.json).toEqual({ status: 'ok', database: 'ok' })
		expect(response.headers.get('cache-control')).toBe('no-store')
	})

	test.each([
		{ FSA_AUTH: ['basic'] },
		{ FSA_AUTH: 'token', ...SECRET },
		{ FSA_AUTH: ['token', 'basic'], FSA_AUTH_DEFAULT: 'basic', ...SECRET }
	])('200 without credentials when FSA_AUTH lacks none (%j), as the docs', async (config) => {
		const { app } = await acme(config)
		expect(checkRoutes(app)).not.toContain(
			'OPEN route without the none scheme requires authentication: GET /health'
		)
		for (const path of ['/health', '/openapi', '/openapi/json', '/openapi/assets/swagger-ui.css'])
			expect((await call(app, 'GET', path)).status, path).toBe(200)
		// the other open routes follow the configuration: without "none", credentials are needed
		expect((await call(app, 'GET', '/hello')).status).toBe(401)
		expect((await call(app, 'GET', '/hello-me')).status).toBe(401)
		expect((await call(app, 'GET', '/hello-me', { basic: ['nobody', 'wrong'] })).status).toBe(401)
	})

	test('503 naming the database when it fails', async () => {
		const { app, store } = await acme()
		store.ping = () => {
			throw new Error('disk I/O error')
		}
		const response = await call(app, 'GET', '/health')
		expect(response.status).toBe(503)
		expect(response.json).toEqual({ status: 'unavailable', database: 'unavailable' })
		expect(response.text).not.toContain('disk I/O error')
	})

	test('503 within 2 s when the database hangs', async () => {
		const { app, store } = await acme()
		store.ping = () => new Promise<void>(() => {})
		const start = performance.now()
		const response = await call(app, 'GET', '/health')
		expect(performance.now() - start).toBeLessThan(2000)
		expect(response.status).toBe(503)
		expect(response.json).toEqual({ status: 'unavailable', database: 'unavailable' })
	})
})
