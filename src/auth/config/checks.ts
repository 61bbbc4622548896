/**
 * Checks of a configuration before it is used: each directive's type, the values that end up
 * in response headers, and the one-line errors that name the directive.
 */
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigError } from '../errors'
import { DIRECTIVES, valueOf, type DirectiveName } from './directives'
import type { Directive } from './directives/directive'
import type { RawConfig } from './settings'

function describe(value: unknown): string {
	return JSON.stringify(value) ?? String(value)
}

export function fail(name: string, message: string, value: unknown): never {
	throw new ConfigError(`${name} ${message} (got ${describe(value)})`)
}

/** A directive that takes one of a list: its value (or default), checked against the table's values. */
export function choice<V extends string>(raw: RawConfig, name: DirectiveName, allowed: readonly V[]): V {
	return oneOf(name, valueOf(raw, name), allowed)
}

export function oneOf<V extends string>(name: string, value: unknown, allowed: readonly V[]): V {
	if (typeof value !== 'string' || !allowed.includes(value as V))
		fail(name, `must be one of ${allowed.join(', ')}`, value)
	return value as V
}

function expectedType(schema: TSchema): string {
	switch (schema.type) {
		case 'string':
			return 'a string'
		case 'number':
			return 'a number'
		case 'integer':
			return 'an integer'
		case 'boolean':
			return 'a boolean'
		case 'array':
			return 'a list'
		case 'object':
			return 'a table'
		default:
			return 'a string or a list of strings'
	}
}

/** Check every directive's type and refuse unknown `FSA_*` keys. */
export function checkTypes(raw: RawConfig): void {
	for (const [name, value] of Object.entries(raw)) {
		if (!name.startsWith('FSA_')) continue
		const directive = (DIRECTIVES as Record<string, Directive>)[name]
		if (!directive) throw new ConfigError(`unexpected FSA_* directive: ${name}`)
		if (!Value.Check(directive.schema, value)) {
			const first = Value.Errors(directive.schema, value).First()
			const detail =
				first && first.path
					? ` at ${first.path}: ${first.message}`
					: first
						? `: ${first.message}`
						: ''
			fail(name, `must be ${expectedType(directive.schema)}${detail}`, value)
		}
	}
}

/** RFC 9110 tokens: header names, authentication schemes, cookie names. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** What a header value may hold: Latin-1 text without control characters but tab. */
const HEADER_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/
/** The options of @elysiajs/cors: a misspelled one would silently leave its permissive default. */
const CORS_OPTIONS = [
	'origin',
	'methods',
	'allowedHeaders',
	'exposeHeaders',
	'credentials',
	'maxAge',
	'preflight',
	'aot'
]

/**
 * Directives that end up in response headers must make valid ones: a bad value would
 * otherwise start the service and fail every response that carries it.
 */
export function checkHeaderValues(raw: RawConfig): void {
	for (const name of [
		'FSA_REALM',
		'FSA_TOKEN_ISSUER',
		'FSA_401_REDIRECT',
		'FSA_URL_NAME',
		'FSA_DEFAULT_CONTENT_TYPE'
	]) {
		const value = raw[name]
		if (typeof value === 'string' && !HEADER_TEXT.test(value))
			fail(name, 'must be text allowed in an HTTP header: no line breaks or control characters', value)
	}
	const { FSA_HTTPD_HEADER: httpd, FSA_APIKEY_HEADER: apikey, FSA_TOKEN_NAME: tokenName } = raw
	if (typeof httpd === 'string' && !HTTP_TOKEN.test(httpd))
		fail('FSA_HTTPD_HEADER', 'must be a valid HTTP header name', httpd)
	if (typeof apikey === 'string' && !HTTP_TOKEN.test(apikey))
		fail('FSA_APIKEY_HEADER', 'must be a valid HTTP header name', apikey)
	if (raw.FSA_TOKEN_CARRIER !== 'param' && typeof tokenName === 'string' && !HTTP_TOKEN.test(tokenName))
		fail('FSA_TOKEN_NAME', 'must be a valid HTTP header, scheme or cookie name', tokenName)
	for (const [header, value] of Object.entries((raw.FSA_ADD_HEADERS ?? {}) as Record<string, string>)) {
		if (!HTTP_TOKEN.test(header))
			fail('FSA_ADD_HEADERS', `has an invalid header name "${header}"`, header)
		if (!HEADER_TEXT.test(value)) fail('FSA_ADD_HEADERS', `has an invalid value for ${header}`, value)
	}
	for (const key of Object.keys((raw.FSA_CORS_OPTS ?? {}) as Record<string, unknown>))
		if (!CORS_OPTIONS.includes(key))
			fail('FSA_CORS_OPTS', `has an unexpected option "${key}"; known: ${CORS_OPTIONS.join(', ')}`, key)
}
