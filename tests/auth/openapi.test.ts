/**
 * openapiDocument on a small app: operation ids and summaries, servers, the success bodies of
 * Elysia's `response` option, the errors the framework may answer in the FSA_ERROR_RESPONSE
 * format, and those `detail.responses` adds.
 */
import { describe, expect, test } from 'bun:test'
import { Elysia, t } from 'elysia'
import { SimpleAuth, openapiDocument, simpleAuth, type OpenApiOptions, type RawConfig } from '../../src/auth'

/** The document of an app, its operations as loose JSON to read in expectations. */
function documentOf(app: Parameters<typeof openapiDocument>[0], auth: SimpleAuth, options?: OpenApiOptions) {
	const doc = openapiDocument(app, auth, { title: 'Shop', version: '1' }, options)
	return doc as Omit<typeof doc, 'paths'> & { paths: Record<string, Record<string, any>> }
}

function makeApp(config: RawConfig = {}) {
	const auth = new SimpleAuth({
		name: 'shop',
		config: { FSA_AUTH: ['basic', 'none'], FSA_AUTH_DEFAULT: ['basic'], ...config }
	}).objectPerms('item', () => true)
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/', () => 'home', { authz: 'OPEN', authn: ['none'] })
		.get('/items', () => [['pen', 2]] as [string, number][], {
			authz: 'AUTH',
			response: t.Array(t.Tuple([t.String(), t.Number()]))
		})
		.post(
			'/items',
			({ set }) => {
				set.status = 201
				return { id: 1 }
			},
			{
				authz: 'AUTH',
				args: t.Object({ name: t.String() }),
				response: { 201: t.Object({ id: t.Integer() }, { description: 'the new item' }) },
				detail: {
					summary: 'add an item',
					operationId: 'addItem',
					responses: {
						409: { description: 'the item exists' },
						418: {
							description: 'a teapot',
							content: { 'text/plain': { schema: { type: 'string', enum: ['tea'] } } }
						}
					}
				}
			}
		)
		.patch('/items/:id', () => 'changed', { authz: ['item', 'id', 'owner'], response: t.String() })
		.delete('/items/:id', ({ set }) => void (set.status = 204), {
			authz: ['item', 'id', 'owner'],
			response: { 204: t.Void() }
		})
	return { app, auth }
}

describe('openapiDocument', () => {
	test('gives every operation an operationId and a summary, unless detail gives them', () => {
		const { app, auth } = makeApp()
		const { paths } = documentOf(app, auth)
		expect(paths['/'].get).toMatchObject({ operationId: 'getRoot', summary: 'GET /' })
		expect(paths['/items'].get).toMatchObject({ operationId: 'getItems', summary: 'GET /items' })
		expect(paths['/items'].post).toMatchObject({ operationId: 'addItem', summary: 'add an item' })
		expect(paths['/items/{id}'].patch.operationId).toBe('patchItemsById')
		expect(paths['/items/{id}'].delete.operationId).toBe('deleteItemsById')
	})

	test('names its servers: the one serving the document by default', () => {
		const { app, auth } = makeApp()
		expect(documentOf(app, auth).servers).toEqual([{ url: '/' }])
		const servers = [{ url: 'https://shop.example.org', description: 'production' }]
		expect(documentOf(app, auth, { servers }).servers).toEqual(servers)
	})

	test('documents the success bodies of the response option, tuples in JSON Schema 2020-12', () => {
		const { app, auth } = makeApp()
		const { paths } = documentOf(app, auth)
		expect(paths['/items'].get.responses[200]).toEqual({
			description: 'success',
			content: {
				'application/json': {
					schema: {
						type: 'array',
						items: {
							type: 'array',
							prefixItems: [{ type: 'string' }, { type: 'number' }],
							items: false,
							minItems: 2,
							maxItems: 2
						}
					}
				}
			}
		})
		expect(paths['/items'].post.responses[201]).toEqual({
			description: 'the new item',
			content: {
				'application/json': {
					schema: {
						description: 'the new item',
						type: 'object',
						properties: { id: { type: 'integer' } },
						required: ['id']
					}
				}
			}
		})
		expect(paths['/items/{id}'].patch.responses[200].content).toEqual({
			'text/plain': { schema: { type: 'string' } }
		})
		expect(paths['/items/{id}'].delete.responses[204]).toEqual({ description: 'done, no content' })
		// no response option: a bare 2XX
		expect(paths['/'].get.responses['2XX']).toEqual({ description: 'success' })
	})

	test('lists the errors the framework may answer, and those detail adds', () => {
		const { app, auth } = makeApp()
		const { paths, components } = documentOf(app, auth)
		const statuses = (operation: Record<string, unknown>) =>
			Object.keys(operation.responses as object).sort()
		// open, no args, yet unexpected parameters are refused (FSA_REJECT_UNEXPECTED_PARAM)
		expect(statuses(paths['/'].get)).toEqual(['2XX', '400'])
		// basic: brute-force throttling
		expect(statuses(paths['/items'].get)).toEqual(['200', '400', '401', '429'])
		expect(statuses(paths['/items'].post)).toEqual(['201', '400', '401', '409', '418', '429'])
		expect(statuses(paths['/items/{id}'].patch)).toEqual(['200', '400', '401', '403', '404', '429'])
		const error = { content: { 'text/plain': { schema: { $ref: '#/components/schemas/Error' } } } }
		expect(paths['/items'].post.responses[409]).toEqual({ description: 'the item exists', ...error })
		expect(paths['/items'].post.responses[400]).toEqual({
			description: 'missing or invalid parameters',
			...error
		})
		// a response detail gives whole is kept as it is
		expect(paths['/items'].post.responses[418]).toEqual({
			description: 'a teapot',
			content: { 'text/plain': { schema: { type: 'string', enum: ['tea'] } } }
		})
		expect(components.schemas).toEqual({ Error: { type: 'string', description: 'what went wrong' } })
	})

	test('renders error bodies in the FSA_ERROR_RESPONSE format', () => {
		const json = makeApp({ FSA_ERROR_RESPONSE: 'json' })
		const jsonDoc = documentOf(json.app, json.auth)
		expect(jsonDoc.paths['/items'].get.responses[401].content).toEqual({
			'application/json': { schema: { $ref: '#/components/schemas/Error' } }
		})
		expect(jsonDoc.components.schemas?.Error).toEqual({ type: 'string', description: 'what went wrong' })
		const keyed = makeApp({ FSA_ERROR_RESPONSE: 'json:message' })
		const keyedDoc = documentOf(keyed.app, keyed.auth)
		expect(keyedDoc.components.schemas?.Error).toEqual({
			type: 'object',
			properties: { message: { type: 'string', description: 'what went wrong' } },
			required: ['message']
		})
	})

	test('leaves out what the configuration rules out: no 429 without throttling, no 400 for open routes without rejection', () => {
		const { app, auth } = makeApp({ FSA_THROTTLE: false, FSA_REJECT_UNEXPECTED_PARAM: false })
		const { paths } = documentOf(app, auth)
		expect(Object.keys(paths['/items'].get.responses).sort()).toEqual(['200', '401'])
		expect(Object.keys(paths['/'].get.responses)).toEqual(['2XX'])
	})
})
