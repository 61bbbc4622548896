/**
 * Reading a TOML configuration so that its errors point at the place: Bun.TOML.parse tells
 * what is wrong but not where, so the line and column are found by parsing prefixes.
 */
import { ConfigError } from '../errors'

/** Larger texts are not searched for the place of an error (each step parses a prefix). */
const SEARCH_LIMIT = 64 * 1024

function tomlError(text: string): string | undefined {
	try {
		Bun.TOML.parse(text)
		return undefined
	} catch (error) {
		return (error as Error).message
	}
}

/**
 * Where `text` first fails to parse, 1-based: the first line, after the last prefix of whole
 * lines that parses, whose prefix fails with the same message as the whole text; then the
 * first column at which that line's prefix does. Undefined when the text parses.
 */
export function tomlErrorPlace(text: string): { line: number; column: number; message: string } | undefined {
	const message = tomlError(text)
	if (message === undefined) return undefined
	if (text.length > SEARCH_LIMIT) return { line: 1, column: 1, message }
	const lines = text.split('\n')
	// whole lines, each with its end of line: some errors are only told at the end of a line
	const prefix = (count: number) => (count >= lines.length ? text : `${lines.slice(0, count).join('\n')}\n`)
	let good = 0
	for (let count = lines.length - 1; count > 0; count--)
		if (tomlError(prefix(count)) === undefined) {
			good = count
			break
		}
	let line = good + 1
	for (let count = good + 1; count <= lines.length; count++)
		if (tomlError(prefix(count)) === message) {
			line = count
			break
		}
	const before = line > 1 ? prefix(line - 1) : ''
	const current = lines[line - 1] ?? ''
	let column = current.length + 1
	for (let length = 1; length <= current.length; length++) {
		const start = before + current.slice(0, length)
		if (tomlError(start) === message || tomlError(`${start}\n`) === message) {
			column = length
			break
		}
	}
	return { line, column, message }
}

/** Parse the TOML text of the file `path`; a syntax error is a ConfigError giving its line and column. */
export function parseTomlFile(text: string, path: string): Record<string, unknown> {
	try {
		return Bun.TOML.parse(text) as Record<string, unknown>
	} catch {
		// found again below, with its place
	}
	const place = tomlErrorPlace(text) ?? { line: 1, column: 1, message: 'unreadable' }
	const reason = place.message.replace(/^TOML Parse error: /, '')
	throw new ConfigError(`${path}:${place.line}:${place.column}: not valid TOML: ${reason}`)
}

/**
 * Refuse a top-level key spelled like a directive but not in upper case (`fsa_auth`): it would
 * be ignored as a key of the application, and a setting silently lost.
 */
export function checkDirectiveCase(config: Record<string, unknown>, text: string, path: string): void {
	for (const key of Object.keys(config)) {
		const upper = key.toUpperCase()
		if (key === upper || !upper.startsWith('FSA_')) continue
		const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
		const index = text.search(new RegExp(`^[ \\t]*["']?${escaped}["']?[ \\t]*=`, 'm'))
		const line = index < 0 ? undefined : text.slice(0, index).split('\n').length
		throw new ConfigError(
			`${path}${line === undefined ? '' : `:${line}`}: ${key}: directive names are upper case: did you mean ${upper}?`
		)
	}
}
