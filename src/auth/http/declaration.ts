/**
 * One route's declaration (`authz`, `authn`, `args`, `realm`), compiled once when the route is
 * registered. The plugin instance that serves the route makes it; the request pipeline, the
 * start-up route checks, the 404/405 index and the OpenAPI document all read this one object.
 */
import type { Scheme } from '../config/settings'
import type { CompiledAuthz } from '../authz/rules'
import type { CompiledArgs } from '../params/args'

/** The route options a declaration is made of, as a route gives them. */
export interface RouteOptionValues {
	authn?: string | readonly string[]
	args?: unknown
	realm?: string
}

/** Where the declaration rides along with the route, in its `detail` (Elysia keeps it). */
export const DECLARATION = 'simpleAuth'

export class RouteDeclaration {
	/** The login of a route that accepts no one but lets everyone in needs no check at all. */
	readonly open: boolean
	/** The object permissions' variables, which the route's path or args must provide. */
	readonly variables: readonly string[]

	constructor(
		/** The plugin instance that serves the route: its owner, among several in one app. */
		readonly owner: object,
		readonly authz: CompiledAuthz,
		/** The schemes tried, in order: the route's `authn`, else FSA_AUTH_DEFAULT. */
		readonly schemes: readonly Scheme[],
		/** Whether the route named its schemes (`authn`), rather than taking the default. */
		readonly ownSchemes: boolean,
		readonly args: CompiledArgs | undefined,
		/** The realm of the route's challenges and tokens; undefined for FSA_REALM. */
		readonly realm: string | undefined,
		/**
		 * Whether the route is authorized at once, without a hook of its own: an OPEN route that
		 * accepts "none", without parameters or before-exec hooks.
		 */
		readonly immediate: boolean,
		/**
		 * Whether a route that authenticates is then authorized without waiting: it names no
		 * group or object permission, and no before-exec hook is registered.
		 */
		readonly authorizedAtOnce: boolean,
		/** The raw option values it was made from, to tell a conflicting later option. */
		readonly options: RouteOptionValues
	) {
		this.open = authz.open && schemes.includes('none')
		this.variables = authz.permissions.flatMap((permission) => permission.variables)
	}

	/** The names a route's object permissions may refer to: its args and path parameters. */
	names(path: string): Set<string> {
		return new Set([
			...(this.args?.names ?? []),
			...[...path.matchAll(/:(\w+)/g)].map((match) => match[1])
		])
	}

	/** Never serialized: documentation tools that copy `detail` leave it out. */
	toJSON(): undefined {
		return undefined
	}
}

/** A route's declaration as its `detail` carries it, when it was made by `owner`. */
export function declarationOf(
	route: { hooks?: { detail?: unknown } },
	owner?: object
): RouteDeclaration | undefined {
	const detail = route.hooks?.detail as Record<string, unknown> | undefined
	const declaration = detail?.[DECLARATION]
	return declaration instanceof RouteDeclaration && (owner === undefined || declaration.owner === owner)
		? declaration
		: undefined
}
