/**
 * The security contract of an application in one table: every route with its method, path,
 * authorization, effective schemes, realm and parameters, read from the routes' compiled
 * declarations. Meant to be printed, reviewed and diffed in CI.
 */
import type { AnyElysia } from 'elysia'
import { OptionalKind, type TSchema } from '@sinclair/typebox'
import type { SimpleAuth } from '../simple-auth'
import type { Scheme } from '../config/settings'
import { declarationOf } from './declaration'

/** Where a parameter comes from. */
export type ParameterSource = 'path' | 'request' | 'header' | 'cookie' | 'special'

export interface RouteParameter {
	name: string
	/** A short type: `string`, `integer[]`, `string(date)`, `{ name: string, born: string(date) }`, `json`... */
	type: string
	required: boolean
	/** `request`: the query string, a form or a JSON body, merged; `special`: filled by the framework. */
	in: ParameterSource
	/** The kind of a special parameter: `user`, `token`, `request`, or one registered. */
	special?: string
}

export interface RouteRow {
	method: string
	/** Elysia's spelling: `/stuff/:sid`. */
	path: string
	/** `OPEN`, `AUTH`, `CLOSE`, a group, an object permission as JSON, or their list; `CLOSE` without a declaration. */
	authz: string
	/** The schemes tried, in order: the route's `authn`, else FSA_AUTH_DEFAULT. */
	authn: Scheme[]
	/** Whether `authn` is the route's own rather than FSA_AUTH_DEFAULT. */
	ownAuthn: boolean
	realm: string
	parameters: RouteParameter[]
}

type Json = Record<string, unknown>

/** Formats of the string branch Elysia's `t.Integer`, `t.Numeric`... add to coerce strings. */
const COERCED = new Set(['integer', 'numeric', 'boolean', 'ObjectString', 'ArrayString'])

/** A JSON Schema node in a few characters. */
function describe(node: Json): string {
	if (node['x-cast'] !== undefined) return `cast(${String(node['x-cast'])})`
	if (node['x-json-data'] === true) return 'json'
	if (node.const !== undefined) return JSON.stringify(node.const)
	if (Array.isArray(node.enum)) return node.enum.map((value) => JSON.stringify(value)).join(' | ')
	if (Array.isArray(node.anyOf)) {
		const branches = (node.anyOf as Json[]).filter(
			(branch) => !(branch.type === 'string' && COERCED.has(branch.format as string))
		)
		return branches.map(describe).join(' | ')
	}
	switch (node.type) {
		case 'array':
			return Array.isArray(node.prefixItems ?? node.items)
				? `[${((node.prefixItems ?? node.items) as Json[]).map(describe).join(', ')}]`
				: `${describe((node.items as Json | undefined) ?? {})}[]`
		case 'object': {
			const properties = Object.entries((node.properties as Record<string, Json> | undefined) ?? {})
			const required = new Set((node.required as string[] | undefined) ?? [])
			const fields = properties.map(
				([name, value]) => `${name}${required.has(name) ? '' : '?'}: ${describe(value)}`
			)
			return fields.length === 0 ? 'object' : `{ ${fields.join(', ')} }`
		}
		case undefined:
			return 'unknown'
		default:
			return typeof node.format === 'string' && !COERCED.has(node.format)
				? `${String(node.type)}(${node.format})`
				: String(node.type)
	}
}

function sourceOf(schema: Json): ParameterSource {
	const special = schema['x-special']
	if (special === 'header' || special === 'cookie') return special
	return special === undefined ? 'request' : 'special'
}

/**
 * One row per route of `app`, in the order they were registered, hidden ones included: what
 * each route requires, as its compiled declaration says. A route the plugin does not serve has
 * no declaration and answers 403: its row says `CLOSE`.
 * @example
 * for (const row of routeTable(app, auth)) console.log(row.method, row.path, row.authz, row.authn.join(','))
 */
export function routeTable(app: AnyElysia, auth: SimpleAuth): RouteRow[] {
	const { settings } = auth
	return app.routes.map((route) => {
		const declaration = declarationOf(route)
		const fromPath = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1])
		const params = declaration?.args?.params ?? []
		const parameters: RouteParameter[] = fromPath
			.filter((name) => !params.some((param) => param.name === name))
			.map((name) => ({ name, type: 'string', required: true, in: 'path' }))
		for (const { name, schema } of params) {
			const plain = JSON.parse(JSON.stringify(schema)) as Json
			const source = fromPath.includes(name) ? 'path' : sourceOf(plain)
			parameters.push({
				name,
				type: describe(plain),
				required:
					source === 'path' ||
					((schema as TSchema)[OptionalKind] !== 'Optional' && !('default' in schema)),
				in: source,
				...(source === 'special' ? { special: String(plain['x-special']) } : {})
			})
		}
		return {
			method: route.method,
			path: route.path,
			authz: declaration?.authz.label ?? 'CLOSE',
			authn: [...(declaration?.schemes ?? settings.authDefault)],
			ownAuthn: declaration?.ownSchemes ?? false,
			realm: declaration?.realm ?? settings.realm,
			parameters
		}
	})
}

function sourceNote(param: RouteParameter): string {
	if (param.in === 'request') return ''
	return param.special === undefined ? ` (${param.in})` : ` (special: ${param.special})`
}

/** The parameters of a row in one cell: `sid: string, price: number, note?: string`. */
export function formatParameters(parameters: readonly RouteParameter[]): string {
	if (parameters.length === 0) return '-'
	return parameters
		.map((param) => `${param.name}${param.required ? '' : '?'}: ${param.type}${sourceNote(param)}`)
		.join(', ')
}

/** The table as aligned text, one route a line under a header line. */
export function formatRouteTable(rows: readonly RouteRow[]): string {
	const cells = [
		['METHOD', 'PATH', 'AUTHZ', 'AUTHN', 'REALM', 'PARAMETERS'],
		...rows.map((row) => [
			row.method,
			row.path,
			row.authz,
			row.authn.join(',') || '-',
			row.realm,
			formatParameters(row.parameters)
		])
	]
	const widths = cells[0].map((_, column) => Math.max(...cells.map((line) => line[column].length)))
	return cells
		.map((line) =>
			line
				.map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column])))
				.join('  ')
		)
		.join('\n')
}
