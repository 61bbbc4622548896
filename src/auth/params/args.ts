/**
 * Typed route parameters, declared with TypeBox and filled from the path, the query string,
 * the form and the JSON body, with FlaskSimpleAuth's conversions. Every fault is collected
 * into one 400.
 */
import {
	FormatRegistry,
	Kind,
	OptionalKind,
	Type as T,
	TypeGuard,
	TypeRegistry,
	type TObject,
	type TSchema,
	type TUnknown,
	type TUnsafe
} from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { ErrorResponse } from '../errors'
import { checkJson, type RawParam, type RequestParams } from './request'
import { ConfigError } from '../errors'
import { readCookie } from '../authn/token'

/**
 * Any JSON value; sent over HTTP as a JSON string (FlaskSimpleAuth's `JsonData`).
 * @example args: t.Object({ p: JsonData() }) // ?p=[1,2] gives [1, 2]; ?p=not-json is a 400
 */
export const JsonData = (options?: { description?: string }) => T.Unknown({ ...options, 'x-json-data': true })

/**
 * A parameter filled by the framework rather than the request: `user` (the current user),
 * `cookie` and `header` (named like the parameter, `_` read as `-` for headers), `request`,
 * or a kind registered with `auth.specialParameter`. Sent in the request, it is a 400.
 * @example args: t.Object({ agent: Special('header', t.String()), ip: Special('ip', t.String()) })
 */
export const Special = <S extends TSchema = TUnknown>(kind: string, schema?: S): S =>
	({ ...(schema ?? T.Unknown()), 'x-special': kind }) as unknown as S
/** The authenticated login (FlaskSimpleAuth's `CurrentUser`). */
export const CurrentUser = () => Special('user', T.String())
/**
 * The cookie named like the parameter; missing, its default or a 400.
 * @example args: t.Object({ theme: Cookie({ default: 'light' }) })
 */
export const Cookie = (options?: { default?: string }) => Special('cookie', T.String(options))
/**
 * The header named like the parameter, `_` read as `-`; missing, its default or a 400.
 * @example args: t.Object({ user_agent: Header() }) // the User-Agent header
 */
export const Header = (options?: { default?: string }) => Special('header', T.String(options))
// Unknown at run time (TypeBox cannot compile an Unsafe schema), typed for the handler
export const CurrentRequest = () => Special<TUnsafe<Request>>('request')
/**
 * The token that authenticated the request (token and oauth schemes); a 400 on a request
 * authenticated otherwise.
 * @example .delete('/token', ({ args }) => auth.revokeToken(args.presented), { authz: 'AUTH', authn: 'token', args: t.Object({ presented: CurrentToken() }) })
 */
export const CurrentToken = () => Special('token', T.String())
/**
 * The client's address, as the framework sees it: the socket's peer, or what a trusted proxy
 * (FSA_TRUSTED_PROXIES) reports; for throttling or logs of the application's own checks.
 * @example args: t.Object({ from: t.Optional(ClientAddress()) })
 */
export const ClientAddress = () => Special('client', T.String())

/**
 * A parameter converted by a function registered with `auth.cast(name, fn)`; a throw is a 400.
 * @example auth.cast('upper', (value) => String(value).toUpperCase()) // then args: t.Object({ code: Cast<string>('upper') })
 */
export const Cast = <V = unknown>(name: string) =>
	({ ...T.Unknown(), 'x-cast': name }) as unknown as TUnsafe<V>

/** Converts a raw parameter (a string over HTTP, any JSON value otherwise); throws when invalid. */
export type CastFunction = (value: unknown) => unknown
/** Computes a special parameter from its name and the request; undefined when absent. */
export type SpecialFunction = (name: string, context: SpecialContext) => unknown

export interface SpecialContext {
	request: Request
	user: string | null
	/** The token that authenticated the request, if one did. */
	token?: string
	/** The client's address, when it is known. */
	clientAddress?(): string | undefined
}

export interface ArgsRegistry {
	casts: ReadonlyMap<string, CastFunction>
	specials: ReadonlyMap<string, SpecialFunction>
}

const BUILTIN_SPECIALS: Record<string, SpecialFunction> = {
	user: (_name, { user }) => user ?? undefined,
	request: (_name, { request }) => request,
	token: (_name, { token }) => token,
	client: (_name, context) => context.clientAddress?.(),
	header: (name, { request }) => request.headers.get(name.replaceAll('_', '-')) ?? undefined,
	cookie: (name, { request }) => readCookie(request.headers.get('cookie'), name)
}

// FlaskSimpleAuth's date.fromisoformat: strict YYYY-MM-DD. Set unconditionally, since Elysia
// registers a lax "date" first (it accepts "2023-2-3", "03/02/2023" and "2023-02-30").
FormatRegistry.Set('date', (value) => {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
	if (!match) return false
	const date = new Date(`${value}T00:00:00Z`)
	return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
})

const NUMBER_OR_BOOLEAN = T.Union([T.Number(), T.Boolean()])
const NUMERIC_KINDS = new Set(['Integer', 'Number', 'Union'])
const CANONICAL_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/
const checks = new WeakMap<TSchema, TypeCheck<TSchema>>()

/** A schema's compiled checker, compiled once. */
function compiled(schema: TSchema): TypeCheck<TSchema> {
	let check = checks.get(schema)
	if (!check) checks.set(schema, (check = TypeCompiler.Compile(schema)))
	return check
}

/** Whether a value holds a schema of a kind nobody registered, which TypeCompiler refuses. */
function unregisteredKind(value: unknown): boolean {
	if (typeof value !== 'object' || value === null) return false
	if (TypeGuard.IsKind(value) && !TypeRegistry.Has(value[Kind] as string)) return true
	return Object.values(value).some(unregisteredKind)
}

/**
 * A schema's checker, compiled on its first use (compiling a service's schemas took 2 to 3 ms of
 * every start); a schema that cannot compile fails at once, with TypeCompiler's own error.
 */
function compiledLater(schema: TSchema): () => TypeCheck<TSchema> {
	if (!TypeGuard.IsSchema(schema) || unregisteredKind(schema)) compiled(schema)
	let check: TypeCheck<TSchema> | undefined
	return () => (check ??= compiled(schema))
}

type Converted = { ok: true; value: unknown } | { ok: false }
const NO: Converted = { ok: false }

// as Python: one "_" after a base prefix ("0x_1f") and between zeros ("0_0"); no nested
// quantifiers, the former "\d*(?:_?\d+)*" took exponential time on "1111...1x"
const INTEGER =
	/^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?\d)*|0(?:_?0)*)$/
// every quantifier unambiguous: "\d+\.?\d*" took quadratic time on a long run of digits
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const FALSE_WORDS = new Set(['', '0', 'false', 'f'])
/** Formats of the string members Elysia adds to a union to accept an encoded value (t.Integer, t.Numeric...). */
const ENCODED_FORMATS = new Set(['integer', 'numeric', 'boolean', 'ObjectString', 'ArrayString'])

/** Python's `int(s, 0)`: decimal, 0x, 0o and 0b, no leading zeros. */
export function parseInteger(text: string): number | undefined {
	const trimmed = text.trim()
	if (!INTEGER.test(trimmed)) return undefined
	const negative = trimmed.startsWith('-')
	const digits = trimmed.replace(/^[+-]/, '').replaceAll('_', '')
	const value = /^0[xob]/i.test(digits) ? Number(digits.toLowerCase()) : Number.parseInt(digits, 10)
	const signed = negative ? 0 - value : value // 0 - 0 is 0, not -0
	return Number.isSafeInteger(signed) ? signed : undefined
}

export function parseDecimal(text: string): number | undefined {
	const trimmed = text.trim()
	if (!DECIMAL.test(trimmed)) return undefined
	const value = Number(trimmed)
	return Number.isFinite(value) ? value : undefined
}

/** FlaskSimpleAuth's boolean: false only for "", "0", "false" and "f", in any case. */
export function parseBoolean(text: string): boolean {
	return !FALSE_WORDS.has(text.toLowerCase())
}

function kindOf(schema: TSchema): string {
	return (schema as unknown as { [Kind]: string })[Kind]
}

/** Convert one string from the query, form or path to the schema's type. */
function fromString(schema: TSchema, text: string): Converted {
	switch (kindOf(schema)) {
		case 'String':
			return { ok: true, value: text }
		case 'Integer': {
			const value = parseInteger(text)
			return value === undefined ? NO : { ok: true, value }
		}
		case 'Number': {
			const value = parseDecimal(text)
			return value === undefined ? NO : { ok: true, value }
		}
		case 'Boolean':
			return { ok: true, value: parseBoolean(text) }
		case 'Literal': {
			const literal = (schema as unknown as { const: unknown }).const
			return typeof literal === 'string'
				? { ok: true, value: text }
				: fromString(NUMBER_OR_BOOLEAN, text)
		}
		case 'Union': {
			// typed members first, so that "7" becomes 7 when a union also allows strings; the string
			// member of Elysia's t.Integer, t.Numeric... only encodes the typed one: it must not take "011"
			const members = (schema as unknown as { anyOf: TSchema[] }).anyOf
				.filter((member) => !(kindOf(member) === 'String' && ENCODED_FORMATS.has(member.format)))
				.sort((a, b) => Number(kindOf(a) === 'String') - Number(kindOf(b) === 'String'))
			for (const member of members) {
				const converted = fromString(member, text)
				if (converted.ok && compiled(member).Check(converted.value)) return converted
			}
			return NO
		}
		case 'Null':
			return text === 'null' ? { ok: true, value: null } : NO
		default:
			// objects, records, tuples and JsonData travel over HTTP as JSON strings
			try {
				return { ok: true, value: JSON.parse(text) }
			} catch {
				return NO
			}
	}
}

/** Apply FlaskSimpleAuth's casts to a JSON value: strings become numbers or booleans where expected. */
function fromJson(schema: TSchema, value: unknown): Converted {
	const kind = kindOf(schema)
	if (
		typeof value === 'string' &&
		(kind === 'Integer' || kind === 'Number' || kind === 'Boolean' || kind === 'Union')
	)
		return fromString(schema, value)
	if (kind === 'Array' && Array.isArray(value)) {
		const items = (schema as unknown as { items: TSchema }).items
		const converted: unknown[] = []
		for (const item of value) {
			const result = fromJson(items, item)
			if (!result.ok) return NO
			converted.push(result.value)
		}
		return { ok: true, value: converted }
	}
	return { ok: true, value }
}

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
