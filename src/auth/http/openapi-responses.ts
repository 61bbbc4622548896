/**
 * The responses of an OpenAPI operation: the success bodies a route declares with Elysia's
 * `response` option, the errors the framework can answer for it, and those its `detail.responses`
 * adds, every error body in the FSA_ERROR_RESPONSE format.
 */
import { Kind, type TSchema } from '@sinclair/typebox'
import type { Settings } from '../config/settings'
import type { RouteDeclaration } from './declaration'

type Json = Record<string, unknown>

/** Where error responses point for their body. */
export const ERROR_SCHEMA_REF = '#/components/schemas/Error'

/** The JSON Schema of an error body in the configured format: a string, or `{ KEY: string }`. */
export function errorSchema(settings: Settings): Json {
	const format = settings.errorFormat
	if (format.kind !== 'json-key') return { type: 'string', description: 'what went wrong' }
	return {
		type: 'object',
		properties: { [format.key]: { type: 'string', description: 'what went wrong' } },
		required: [format.key]
	}
}

function errorContent(settings: Settings): Json {
	const type = settings.errorFormat.kind === 'plain' ? 'text/plain' : 'application/json'
	return { [type]: { schema: { $ref: ERROR_SCHEMA_REF } } }
}

const isSchema = (value: unknown): value is TSchema =>
	value !== null && typeof value === 'object' && Kind in value

/** A TypeBox schema as the content of a response: text for strings, JSON otherwise; none for void. */
function successContent(schema: TSchema, toJson: (schema: TSchema) => Json): Json | undefined {
	const kind = schema[Kind]
	if (kind === 'Void' || kind === 'Undefined') return undefined
	const plain = toJson(schema)
	return { [plain.type === 'string' ? 'text/plain' : 'application/json']: { schema: plain } }
}

const SUCCESS_TEXT: Record<string, string> = { '200': 'success', '201': 'created', '204': 'done, no content' }

/** Elysia's `response` option: one schema (for 200), or one per status; anything else is ignored. */
function declaredResponses(response: unknown): [string, TSchema][] {
	if (isSchema(response)) return [['200', response]]
	if (response === null || typeof response !== 'object') return []
	return Object.entries(response).filter((entry): entry is [string, TSchema] => isSchema(entry[1]))
}

/**
 * The operation's responses: the success statuses of the route's `response` schemas (else a
 * bare 2XX), the errors the framework may answer (400 parameters, 401, 403, 404, 429, 503),
 * then the route's `detail.responses`; every error has the configured error body.
 */
export function operationResponses(
	settings: Settings,
	declaration: RouteDeclaration | undefined,
	hooks: { response?: unknown; detail?: Json },
	toJson: (schema: TSchema) => Json
): Record<string, Json> {
	const responses: Record<string, Json> = {}
	const errors: Record<string, string> = {}
	// bodies the handler returns itself, whatever their status (a 503 of /health is its report)
	const declared = declaredResponses(hooks.response)
	for (const [status, schema] of declared) {
		const description = schema.description ?? SUCCESS_TEXT[status] ?? `status ${status}`
		const content = successContent(schema, toJson)
		responses[status] = { description, ...(content ? { content } : {}) }
	}
	if (!declared.some(([status]) => Number(status) < 400)) responses['2XX'] = { description: 'success' }

	const open = declaration?.open === true
	const groups = declaration?.authz.groups ?? []
	const variables = declaration?.variables ?? []
	const schemes = declaration?.schemes ?? settings.authDefault
	if ((declaration?.args?.params.length ?? 0) > 0) errors['400'] = 'missing or invalid parameters'
	else if (settings.rejectUnexpectedParam) errors['400'] = 'unexpected parameters'
	if (!open) errors['401'] = 'authentication required'
	if (declaration === undefined || declaration.authz.close || groups.length > 0 || variables.length > 0)
		errors['403'] = 'not allowed'
	if (variables.length > 0) errors['404'] = 'no such object'
	if (!open && settings.throttle.enabled && (schemes.includes('basic') || schemes.includes('param')))
		errors['429'] = 'too many failed authentication attempts'
	if (!open && settings.cache.kind === 'redis') errors['503'] = 'cache unavailable'

	const given = (hooks.detail?.responses ?? {}) as Record<string, Json>
	for (const [status, response] of Object.entries(given))
		if (Number(status) >= 400 && response.content === undefined && response.$ref === undefined)
			errors[status] = String(response.description ?? errors[status] ?? 'error')
	for (const [status, description] of Object.entries(errors))
		responses[status] ??= { description, content: errorContent(settings) }
	for (const [status, response] of Object.entries(given))
		if (!(Number(status) >= 400 && response.content === undefined && response.$ref === undefined))
			responses[status] = response
	return responses
}
