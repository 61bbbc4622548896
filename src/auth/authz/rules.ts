/**
 * Authorization rules as routes declare them (`authz`), compiled once at registration.
 */
import { ConfigError } from '../errors'

/** An object permission: `[domain, variables, mode]`; variables are ":"-separated names. */
export type PermissionRule = readonly [domain: string, variables: string, mode?: string | null]
/** `OPEN`, `AUTH`, `CLOSE`, a group name, an object permission, or a list of them (all required). */
export type AuthzRule = string | PermissionRule | readonly (string | PermissionRule)[]

export interface Permission {
	domain: string
	variables: string[]
	mode: string | null
}

export interface CompiledAuthz {
	open: boolean
	close: boolean
	groups: string[]
	permissions: Permission[]
	/** The rule as shown in the `x-authz` marker and in messages. */
	label: string
}

const OPEN = new Set(['OPEN', 'NOAUTH'])
const AUTH = new Set(['AUTH', 'AUTHENTICATED'])
const CLOSE = new Set(['CLOSE', 'NOBODY'])
const PSEUDO = new Set([...OPEN, ...AUTH, ...CLOSE])
const IDENTIFIER = /^[_A-Za-z][_A-Za-z0-9]*$/

function isPermissionTuple(
	rule: readonly unknown[],
	isDomain: (name: string) => boolean,
	isGroup: (name: string) => boolean
): boolean {
	return (
		rule.length >= 2 &&
		rule.length <= 3 &&
		typeof rule[0] === 'string' &&
		typeof rule[1] === 'string' &&
		(rule[2] === undefined || rule[2] === null || typeof rule[2] === 'string') &&
		// a flat list whose every name is a checkable group reads as groups; the start-up
		// check refuses a group named like a route parameter (a misspelled domain)
		(isDomain(rule[0]) ||
			!rule.every((item) => typeof item === 'string' && (PSEUDO.has(item) || isGroup(item))))
	)
}

function compilePermission(rule: readonly unknown[], isDomain: (name: string) => boolean): Permission {
	const [domain, variables, mode] = rule as PermissionRule
	if (!isDomain(domain)) throw new ConfigError(`missing object permission checker for domain "${domain}"`)
	const names = variables.split(':')
	for (const name of names)
		if (!IDENTIFIER.test(name)) throw new ConfigError(`unexpected identifier name "${name}" in authz`)
	return { domain, variables: names, mode: mode ?? null }
}

/**
 * Compile an `authz` rule.
 * @param isDomain whether an object permission checker is registered for a domain
 * @param isGroup whether a group can be checked
 */
export function compileAuthz(
	rule: AuthzRule,
	isDomain: (name: string) => boolean,
	isGroup: (name: string) => boolean
): CompiledAuthz {
	const items: readonly unknown[] =
		typeof rule === 'string' ? [rule] : isPermissionTuple(rule, isDomain, isGroup) ? [rule] : [...rule]
	if (items.length === 0) throw new ConfigError('authz must not be empty')
	const compiled: CompiledAuthz = {
		open: false,
		close: false,
		groups: [],
		permissions: [],
		label: JSON.stringify(rule)
	}
	let auth = false
	for (const item of items) {
		if (typeof item !== 'string') {
			if (!Array.isArray(item))
				throw new ConfigError(`unexpected authorization ${JSON.stringify(item)}`)
			compiled.permissions.push(compilePermission(item, isDomain))
		} else if (OPEN.has(item)) compiled.open = true
		else if (AUTH.has(item)) auth = true
		else if (CLOSE.has(item)) compiled.close = true
		else if (item === '') throw new ConfigError('authz group name must not be empty')
		else if (!isGroup(item)) throw new ConfigError(`cannot check group "${item}" authz: no group checker`)
		else compiled.groups.push(item)
	}
	if (compiled.open && (auth || compiled.groups.length > 0 || compiled.permissions.length > 0))
		throw new ConfigError(`OPEN cannot be mixed with other authorizations in ${compiled.label}`)
	if (typeof rule === 'string') compiled.label = rule
	return compiled
}
