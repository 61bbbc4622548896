/**
 * One directive of the table: its TOML type, its default, the values it takes and what it does;
 * and how the documentation shows its default and meaning.
 */
import type { Static, TSchema } from '@sinclair/typebox'

export interface Directive<S extends TSchema = TSchema> {
	schema: S
	/** The default, when it is a value of its own. */
	default?: Static<S>
	/** The default as the documentation says it, when it is not a value of its own (derived). */
	shown?: string
	/** The values it takes, for a directive that takes one of a list. */
	values?: readonly string[]
	/** What the directive does. */
	doc: string
}

/** A TOML value, as the documentation writes a default. */
function tomlText(value: unknown, schema: TSchema): string {
	if (typeof value === 'string') return JSON.stringify(value)
	// a TOML float reads as one: 60.0, not 60
	if (typeof value === 'number')
		return schema.type === 'number' && Number.isInteger(value) ? `${value}.0` : `${value}`
	if (Array.isArray(value)) return `[${value.map((item) => tomlText(item, schema)).join(', ')}]`
	if (value !== null && typeof value === 'object')
		return Object.keys(value).length === 0
			? '{}'
			: `{ ${Object.entries(value)
					.map(([key, item]) => `${key} = ${tomlText(item, schema)}`)
					.join(', ')} }`
	return String(value)
}

/** A directive's default as the documentation shows it. */
export function shownDefault(directive: Directive): string {
	return directive.shown ?? tomlText(directive.default, directive.schema)
}

/** What the documentation says of a directive: what it does, and the values it takes. */
export function documented(directive: Directive): string {
	return directive.values ? `${directive.doc}; one of: ${directive.values.join(', ')}` : directive.doc
}
