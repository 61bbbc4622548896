/**
 * Typed route parameters, declared with TypeBox and filled from the path, the query string,
 * the form and the JSON body, with FlaskSimpleAuth's conversions. Every fault is collected
 * into one 400.
 */
import { OptionalKind, type TObject, type TSchema } from '@sinclair/typebox'
import { type TypeCheck } from '@sinclair/typebox/compiler'
import { ErrorResponse } from '../errors'
import { checkJson, type RawParam, type RequestParams } from './request'
import { ConfigError } from '../errors'

import {
	BUILTIN_SPECIALS,
	type ArgsRegistry,
	type CastFunction,
	type SpecialContext,
	type SpecialFunction
} from './markers'
import {
	CANONICAL_NUMBER,
	NO,
	NUMERIC_KINDS,
	compiledLater,
	fromJson,
	fromString,
	kindOf,
	type Converted
} from './convert'

export * from './markers'
export { parseInteger, parseDecimal, parseBoolean } from './convert'

interface CompiledParam {
	name: string
	schema: TSchema
	optional: boolean
	isList: boolean
	check: TypeCheck<TSchema>
	cast?: CastFunction
	special?: SpecialFunction
}

/** A route's `args` schema, compiled once at registration. */
export interface CompiledArgs {
	params: CompiledParam[]
	names: Set<string>
}

const NO_REGISTRY: ArgsRegistry = { casts: new Map(), specials: new Map() }

export function compileArgs(schema: TObject, registry: ArgsRegistry = NO_REGISTRY): CompiledArgs {
	if (kindOf(schema) !== 'Object') throw new ConfigError('args must be a t.Object(...) schema')
	const params = Object.entries(schema.properties).map(([name, property]): CompiledParam => {
		const castName = (property as { 'x-cast'?: string })['x-cast']
		const specialKind = (property as { 'x-special'?: string })['x-special']
		const cast = castName === undefined ? undefined : registry.casts.get(castName)
		if (castName !== undefined && !cast)
			throw new ConfigError(`no cast registered for "${castName}" (parameter ${name})`)
		const special =
			specialKind === undefined
				? undefined
				: (registry.specials.get(specialKind) ?? BUILTIN_SPECIALS[specialKind])
		if (specialKind !== undefined && !special)
			throw new ConfigError(`no special parameter registered for "${specialKind}" (parameter ${name})`)
		const check = compiledLater(property)
		return {
			name,
			schema: property,
			optional: (property as { [OptionalKind]?: string })[OptionalKind] === 'Optional',
			isList: kindOf(property) === 'Array',
			get check() {
				return check()
			},
			cast,
			special
		}
	})
	return { params, names: new Set(params.map((param) => param.name)) }
}

/** Errors listed in one 400; the count of the others follows. */
const MAX_ERRORS = 10

/** Names of parameters whose values never appear in messages. */
const SECRET_NAME = /pass|secret|token|key|auth|credential/i

function show(value: unknown, name = ''): string {
	if (SECRET_NAME.test(name)) return '(hidden)'
	const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
	return text.length > 64 ? `${text.slice(0, 61)}...` : text
}

/** The type a schema expects, in words: integer, list of integer, date, JSON. */
function expected(schema: TSchema): string {
	const kind = kindOf(schema)
	if (kind === 'Array') return `list of ${expected((schema as unknown as { items: TSchema }).items)}`
	if (kind === 'Unknown' || kind === 'Any') return 'JSON'
	if (kind === 'Union')
		return [...new Set((schema as unknown as { anyOf: TSchema[] }).anyOf.map(expected))].join(' or ')
	const format = (schema as unknown as { format?: string }).format
	return format ?? kind.toLowerCase()
}

function convert(param: CompiledParam, raw: RawParam): Converted {
	if (param.cast) {
		try {
			return { ok: true, value: param.cast(raw.from === 'json' ? raw.value : raw.values[0]) }
		} catch {
			return NO
		}
	}
	if (raw.from === 'json') return fromJson(param.schema, raw.value)
	if (param.isList) {
		const items = (param.schema as unknown as { items: TSchema }).items
		const values: unknown[] = []
		for (const text of raw.values) {
			const converted = fromString(items, text)
			if (!converted.ok) return NO
			values.push(converted.value)
		}
		return { ok: true, value: values }
	}
	return fromString(param.schema, raw.values[0])
}

export interface FillContext {
	pathParams: Record<string, string>
	request: RequestParams
	/** Request parameters that belong to authentication: never unexpected. */
	ignored: ReadonlySet<string>
	rejectUnexpected: boolean
	special: SpecialContext
}

/** Whether an object has no own enumerable key. */
export function isEmpty(record: Record<string, unknown>): boolean {
	for (const _ in record) return false
	return true
}

/** A copy of the parameter's declared default, or undefined. */
function defaultOf(param: CompiledParam): unknown {
	const fallback = (param.schema as unknown as { default?: unknown }).default
	return fallback === undefined ? undefined : structuredClone(fallback)
}

function missing(param: CompiledParam, values: Record<string, unknown>, errors: string[]): void {
	const fallback = defaultOf(param)
	if (fallback !== undefined) values[param.name] = fallback
	else if (!param.optional) errors.push(`parameter "${param.name}" is missing`)
}

/**
 * Fill a route's typed arguments.
 * @throws ErrorResponse 400 listing every missing, invalid and unexpected parameter
 */
export function fillArgs(args: CompiledArgs | undefined, context: FillContext): Record<string, unknown> {
	const { pathParams, request, ignored, rejectUnexpected } = context
	const values: Record<string, unknown> = {}
	// a route without parameters called without any: nothing to fill or reject
	if (args === undefined && request.empty && isEmpty(pathParams)) return values
	const errors: string[] = []
	for (const [name, value] of Object.entries(pathParams))
		// Elysia gives null for a segment that is not valid percent-encoding ("/item/%zz")
		if (typeof value !== 'string') errors.push(`parameter "${name}" is not valid percent-encoding`)
		else if (request.get(name) !== undefined)
			errors.push(`parameter "${name}" both from path and request`)
	for (const param of args?.params ?? []) {
		if (param.special) {
			if (request.get(param.name) !== undefined)
				errors.push(`unexpected request parameter "${param.name}"`)
			let value: unknown
			try {
				value = param.special(param.name, context.special)
			} catch (error) {
				// a failing special parameter falls back to its default, else joins the 400 list
				value = defaultOf(param)
				if (value === undefined) {
					if (!(error instanceof ErrorResponse))
						throw new ErrorResponse(`unexpected error on parameter "${param.name}"`, 500)
					errors.push(`error on parameter "${param.name}": ${error.message}`)
					continue
				}
			}
			if (value === undefined) missing(param, values, errors)
			else values[param.name] = value
			continue
		}
		// own keys only: "constructor" or "__proto__" are no path parameters
		const fromPath = (Object.hasOwn(pathParams, param.name) ? pathParams[param.name] : undefined) as
			string | null | undefined
		if (fromPath === null) continue // reported above
		const raw: RawParam | undefined =
			fromPath !== undefined ? { from: 'http', values: [fromPath] } : request.get(param.name)
		if (raw === undefined || (raw.from === 'json' && raw.value === undefined)) {
			missing(param, values, errors)
			continue
		}
		// a path id names one object: only its canonical decimal spelling may reach it
		// (never 0x10, 1e3, " 1" or 01 for 16, 1000, 1 and 1)
		if (
			fromPath !== undefined &&
			NUMERIC_KINDS.has(kindOf(param.schema)) &&
			!CANONICAL_NUMBER.test(fromPath)
		) {
			errors.push(
				`parameter "${param.name}" type error on ${show(fromPath, param.name)}, expected a decimal id`
			)
			continue
		}
		const converted = convert(param, raw)
		const shown = raw.from === 'json' ? raw.value : param.isList ? raw.values : raw.values[0]
		// JSON sent as a string (objects, JsonData) is held to the bounds of a JSON body
		if (
			converted.ok &&
			raw.from === 'http' &&
			converted.value !== null &&
			typeof converted.value === 'object'
		)
			try {
				checkJson(converted.value, request.limits, `parameter "${param.name}"`)
			} catch (error) {
				errors.push((error as ErrorResponse).message)
				continue
			}
		if (!converted.ok) {
			errors.push(
				`parameter "${param.name}" type error on ${show(shown, param.name)}, expected ${expected(param.schema)}`
			)
			continue
		}
		if (!param.cast && !param.check.Check(converted.value)) {
			const first = param.check.Errors(converted.value).First()
			const where = first?.path ? ` at ${first.path}` : ''
			errors.push(
				`parameter "${param.name}" invalid value ${show(shown, param.name)}${where}: ${first?.message ?? 'unexpected value'}`
			)
			continue
		}
		values[param.name] = converted.value
	}
	if (rejectUnexpected && !request.empty)
		for (const [name, from] of request.names())
			if (!args?.names.has(name) && !ignored.has(name) && !Object.hasOwn(pathParams, name))
				errors.push(`unexpected ${from} parameter ${show(name)}`)
	if (errors.length > MAX_ERRORS)
		errors.splice(MAX_ERRORS, Infinity, `and ${errors.length - MAX_ERRORS} more errors`)
	if (errors.length > 0) throw new ErrorResponse(errors.join('\n'), 400)
	return values
}
