/**
 * An OpenAPI 3.1 document of an application's routes, from what the `simpleAuth` plugin
 * records: `args` schemas as parameters, `authn`/`authz` as `security`, and `x-authz`.
 */
import type { AnyElysia } from 'elysia'
import { OptionalKind, type TSchema } from '@sinclair/typebox'
import type { SimpleAuth } from '../simple-auth'
import type { Scheme, Settings } from '../config/settings'
import type { CompiledArgs } from '../params/args'
import { declarationOf } from './declaration'
import { ERROR_SCHEMA_REF as ERROR_REF, errorSchema, operationResponses } from './openapi-responses'

export interface OpenApiInfo {
	title: string
	version: string
	description?: string
}

type Json = Record<string, unknown>

export interface OpenApiServer {
	url: string
	description?: string
}

export interface OpenApiOptions {
	/** Where the API is served. @default [{ url: '/' }]: the server that serves the document */
	servers?: OpenApiServer[]
}

export interface OpenApiDocument {
	openapi: string
	info: OpenApiInfo
	servers: OpenApiServer[]
	paths: Record<string, Record<string, Json>>
	components: { securitySchemes: Record<string, Json>; schemas?: Record<string, Json> }
}

interface Route {
	method: string
	path: string
	hooks?: { detail?: Json; response?: unknown }
}

/** `getStuffBySid` for GET /stuff/:sid: unique per method and path, as OpenAPI requires. */
function operationIdOf(method: string, path: string): string {
	const words = path
		.split('/')
		.filter((segment) => segment !== '')
		.map((segment) =>
			segment.startsWith(':') ? `by-${segment.slice(1)}` : segment === '*' ? 'any' : segment
		)
		.flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
		.filter((word) => word !== '')
	const camel = words.map((word) => word[0].toUpperCase() + word.slice(1)).join('')
	return method.toLowerCase() + (camel || 'Root')
}

const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'])
/** Route details copied into the operation as they are. */
const OPERATION_FIELDS = ['summary', 'description', 'tags', 'deprecated', 'operationId', 'externalDocs']

const apiKey = (where: string, name: string, description: string): Json => ({
	type: 'apiKey',
	in: where,
	name,
	description
})

/** The security scheme of an authentication scheme, by name, or undefined when OpenAPI cannot say. */
function securityScheme(scheme: Scheme, settings: Settings): [string, Json] | undefined {
	const { token, paramUser, paramPass } = settings
	const tokenText = token.type === 'jwt' ? 'a JWT from the service' : 'an fsa token from the service'
	switch (scheme) {
		case 'basic':
			return ['basicAuth', { type: 'http', scheme: 'basic' }]
		case 'param': {
			const text = `the login, with the password in "${paramPass}"; also in a form or a JSON body`
			return ['paramAuth', apiKey('query', paramUser, text)]
		}
		case 'token':
			if (token.type === null) return undefined
			if (token.carrier !== 'bearer')
				return [
					'tokenAuth',
					apiKey(token.carrier === 'param' ? 'query' : token.carrier, token.name, tokenText)
				]
			if (token.name.toLowerCase() !== 'bearer')
				return [
					'tokenAuth',
					apiKey('header', 'Authorization', `"${token.name} <token>": ${tokenText}`)
				]
			return [
				'bearerAuth',
				{
					type: 'http',
					scheme: 'bearer',
					...(token.type === 'jwt' ? { bearerFormat: 'JWT' } : {}),
					description: tokenText
				}
			]
		case 'oauth':
			return [
				'oauthAuth',
				{
					type: 'http',
					scheme: 'bearer',
					bearerFormat: 'JWT',
					description: 'an OAuth 2 access token'
				}
			]
		case 'fake':
			return ['fakeAuth', apiKey('query', settings.fakeLogin, 'tests only: loopback clients')]
		case 'httpd':
			return ['httpdAuth', apiKey('header', settings.httpdHeader, 'set by a trusted reverse proxy')]
		case 'apikey':
			return ['apikeyAuth', apiKey('header', settings.apikeyHeader, 'an API key of the user')]
	}
	return undefined
}

/** The security scheme of each enabled authentication scheme that OpenAPI can describe. */
function securitySchemes(settings: Settings): Map<Scheme, [string, Json]> {
	const found = new Map<Scheme, [string, Json]>()
	for (const scheme of settings.auth) {
		const entry = securityScheme(scheme, settings)
		if (entry) found.set(scheme, entry)
	}
	return found
}

/** One alternative per scheme OpenAPI can describe; oauth requires the route's scopes. */
function requirements(
	authn: readonly Scheme[],
	schemes: Map<Scheme, [string, Json]>,
	groups: readonly string[]
): Json[] {
	const found = new Map<string, readonly string[]>()
	for (const scheme of authn) {
		const key = schemes.get(scheme)?.[0]
		if (key !== undefined && !found.has(key)) found.set(key, scheme === 'oauth' ? groups : [])
	}
	return [...found].map(([key, scopes]) => ({ [key]: scopes }))
}

/** Formats of the string branch Elysia's `t.Integer`, `t.Numeric`... add to coerce strings. */
const COERCED = new Set(['integer', 'numeric', 'boolean', 'ObjectString', 'ArrayString'])

/** Drop Elysia's coercion branches: `anyOf: [{ type: 'string', format: 'integer' }, { type: 'integer' }]`. */
function simplify(node: unknown): unknown {
	if (Array.isArray(node)) return node.map(simplify)
	if (node === null || typeof node !== 'object') return node
	const result: Json = Object.fromEntries(
		Object.entries(node).map(([key, value]) => [key, simplify(value)])
	)
	// TypeBox writes tuples in draft 7; OpenAPI 3.1 speaks JSON Schema 2020-12
	if (Array.isArray(result.items)) {
		const { items, additionalItems, ...rest } = result
		return { ...rest, prefixItems: items, ...(additionalItems === false ? { items: false } : {}) }
	}
	if (Array.isArray(result.anyOf)) {
		const kept = (result.anyOf as Json[]).filter(
			(branch) => !(branch.type === 'string' && COERCED.has(branch.format as string))
		)
		const { anyOf: _, ...rest } = result
		if (kept.length === 1) return { ...rest, ...kept[0] }
		return { ...rest, anyOf: kept }
	}
	return result
}

/** A TypeBox schema as plain JSON Schema, without the framework's markers. */
export function jsonSchema(schema: TSchema): Json {
	const plain = simplify(JSON.parse(JSON.stringify(schema))) as Json
	const json = plain['x-json-data'] === true
	for (const marker of ['x-json-data', 'x-special', 'x-cast']) delete plain[marker]
	if (json) plain.description ??= 'any JSON value'
	return plain
}

/** Whether a value travels as a JSON string over HTTP: objects and JSON data. */
function isJson(plain: Json): boolean {
	if (plain.type === 'object') return true
	if (Array.isArray(plain.anyOf)) return (plain.anyOf as Json[]).some(isJson)
	return plain.type === undefined && plain.enum === undefined && plain.const === undefined
}

function isRequired(schema: TSchema): boolean {
	return schema[OptionalKind] !== 'Optional' && !('default' in schema)
}

function queryParameter(name: string, schema: TSchema, where: string): Json {
	const base = { name, in: where, required: isRequired(schema) }
	const plain = jsonSchema(schema)
	if (where === 'query' && isJson(plain))
		return { ...base, content: { 'application/json': { schema: plain } } }
	return { ...base, schema: plain }
}

/** Path, query, header and cookie parameters, and the body of methods that have one. */
function operationInputs(route: Route, args: CompiledArgs | undefined): Json {
	const parameters: Json[] = []
	const fromPath = [...route.path.matchAll(/:(\w+)\??/g)].map((match) => match[1])
	const byName = new Map((args?.params ?? []).map((param) => [param.name, param.schema]))
	for (const name of fromPath) {
		const schema = byName.get(name)
		const plain = schema ? jsonSchema(schema) : { type: 'string' }
		parameters.push({
			name,
			in: 'path',
			required: true,
			schema: isJson(plain) ? { type: 'string' } : plain
		})
	}
	const properties: Record<string, Json> = {}
	const required: string[] = []
	const encoding: Record<string, Json> = {}
	const hasBody = !['GET', 'HEAD', 'DELETE'].includes(route.method)
	for (const { name, schema } of args?.params ?? []) {
		if (fromPath.includes(name)) continue
		const special = (schema as { 'x-special'?: string })['x-special']
		if (special === 'header') parameters.push(queryParameter(name.replaceAll('_', '-'), schema, 'header'))
		else if (special === 'cookie') parameters.push(queryParameter(name, schema, 'cookie'))
		else if (special !== undefined) continue
		else if (!hasBody) parameters.push(queryParameter(name, schema, 'query'))
		else {
			properties[name] = jsonSchema(schema)
			if (isRequired(schema)) required.push(name)
			if (isJson(properties[name])) encoding[name] = { contentType: 'application/json' }
		}
	}
	const inputs: Json = {}
	if (parameters.length > 0) inputs.parameters = parameters
	if (Object.keys(properties).length > 0) {
		const schema = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) }
		const form = { schema, ...(Object.keys(encoding).length > 0 ? { encoding } : {}) }
		inputs.requestBody = {
			required: required.length > 0,
			content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': form }
		}
	}
	return inputs
}

/**
 * The OpenAPI 3.1 document of every route of `app` but those whose detail says `hide: true`:
 * each route's `args` as parameters (the query string for GET, HEAD and DELETE, a JSON or form
 * body otherwise), its `x-authz` rule, and its `security`: `[]` on OPEN routes that accept
 * `none`, otherwise one alternative per scheme of its `authn` (or `FSA_AUTH_DEFAULT`). Its
 * responses: the bodies of Elysia's `response` option, and the errors it may answer in the
 * FSA_ERROR_RESPONSE format (with those `detail.responses` adds). `detail` gives `summary` and
 * `operationId`, else `GET /path` and `getPath`.
 * @example
 * app.get('/openapi/json', () => openapiDocument(app, auth, { title: 'Acme', version: '1.0' }), {
 *   authz: 'OPEN', detail: { hide: true } })
 */
export function openapiDocument(
	app: AnyElysia,
	auth: SimpleAuth,
	info: OpenApiInfo,
	options: OpenApiOptions = {}
): OpenApiDocument {
	const { settings } = auth
	const schemes = securitySchemes(settings)
	const paths: OpenApiDocument['paths'] = {}
	for (const route of app.routes as Route[]) {
		const detail = route.hooks?.detail ?? {}
		if (detail.hide === true || !METHODS.has(route.method)) continue
		if (settings.cors.enabled && route.method === 'OPTIONS') continue
		const declaration = declarationOf(route)
		// a route without authz answers 403, as CLOSE does
		const authz = declaration?.authz.label ?? 'CLOSE'
		const authn = declaration?.schemes ?? settings.authDefault
		const groups = declaration?.authz.groups ?? []
		const open = declaration?.open === true
		const security = open ? [] : requirements(authn, schemes, groups)
		const args = declaration?.args
		const responses = operationResponses(settings, declaration, route.hooks ?? {}, jsonSchema)
		const operation: Json = {
			summary: `${route.method} ${route.path}`,
			operationId: operationIdOf(route.method, route.path)
		}
		for (const field of OPERATION_FIELDS)
			if (detail[field] !== undefined) operation[field] = detail[field]
		Object.assign(operation, operationInputs(route, args), { security, responses, 'x-authz': authz })
		const path = route.path.replace(/:(\w+)\??/g, '{$1}')
		paths[path] ??= {}
		paths[path][route.method.toLowerCase()] = operation
	}
	const components: OpenApiDocument['components'] = {
		securitySchemes: Object.fromEntries(schemes.values())
	}
	if (JSON.stringify(paths).includes(ERROR_REF)) components.schemas = { Error: errorSchema(settings) }
	const servers = options.servers ?? [{ url: '/' }]
	return { openapi: '3.1.0', info, servers, paths, components }
}
