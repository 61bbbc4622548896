/**
 * Every directive the framework accepts, written once: its TOML type, its default, the values
 * it takes when it takes one of a list, and what it does. Settings are parsed from this table,
 * and `acme config check`, docs/DIRECTIVES.md and the README's table are made or checked from it.
 * Its sections are written in the files beside this one, and assembled here.
 */
import type { Static } from '@sinclair/typebox'
import type { Directive } from './directive'
import { AUTHENTICATION, AUTHORIZATION } from './auth'
import { TOKENS } from './tokens'
import { PARAMETERS, RESPONSES } from './http'
import { PASSWORDS, THROTTLING } from './passwords'
import { CACHING } from './cache'

/** Every directive, section by section, in the order the documentation lists them. */
export const DIRECTIVES = {
	...AUTHENTICATION,
	...TOKENS,
	...AUTHORIZATION,
	...PARAMETERS,
	...PASSWORDS,
	...RESPONSES,
	...THROTTLING,
	...CACHING
} satisfies Record<string, Directive>

export type DirectiveName = keyof typeof DIRECTIVES
/** The value a directive holds, by its schema. */
export type DirectiveValue<K extends DirectiveName> = Static<(typeof DIRECTIVES)[K]['schema']>

/** A directive's value in a configuration: as configured, else its default. */
export function valueOf<K extends DirectiveName>(raw: Record<string, unknown>, name: K): DirectiveValue<K> {
	return (raw[name] ?? (DIRECTIVES[name] as Directive).default) as DirectiveValue<K>
}
