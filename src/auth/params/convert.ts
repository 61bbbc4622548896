/**
 * FlaskSimpleAuth's conversions of request parameters: strings from the query string and
 * forms into integers (0x, 0o, 0b), decimals, booleans, dates, lists and objects, and JSON
 * values checked as they are. Checkers are compiled on a route's first request.
 */
import { FormatRegistry, Kind, Type as T, TypeGuard, TypeRegistry, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'

// FlaskSimpleAuth's date.fromisoformat: strict YYYY-MM-DD. Set unconditionally, since Elysia
// registers a lax "date" first (it accepts "2023-2-3", "03/02/2023" and "2023-02-30").
FormatRegistry.Set('date', (value) => {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
	if (!match) return false
	const date = new Date(`${value}T00:00:00Z`)
	return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
})

const NUMBER_OR_BOOLEAN = T.Union([T.Number(), T.Boolean()])
export const NUMERIC_KINDS = new Set(['Integer', 'Number', 'Union'])
export const CANONICAL_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/
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
export function compiledLater(schema: TSchema): () => TypeCheck<TSchema> {
	if (!TypeGuard.IsSchema(schema) || unregisteredKind(schema)) compiled(schema)
	let check: TypeCheck<TSchema> | undefined
	return () => (check ??= compiled(schema))
}

export type Converted = { ok: true; value: unknown } | { ok: false }
export const NO: Converted = { ok: false }

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

export function kindOf(schema: TSchema): string {
	return (schema as unknown as { [Kind]: string })[Kind]
}

/** Convert one string from the query, form or path to the schema's type. */
export function fromString(schema: TSchema, text: string): Converted {
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
export function fromJson(schema: TSchema, value: unknown): Converted {
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
