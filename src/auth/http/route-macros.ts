/**
 * The route options `authz`, `authn`, `args` and `realm`, as Elysia macros. A route's options
 * are compiled once into its RouteDeclaration, which chooses the hooks the route needs: none of
 * its own for a route authorized at once, else the body reader, a resolve hook that
 * authenticates (the scheme chain; none on an OPEN route) and a beforeHandle hook that
 * authorizes.
 */
import type { TObject } from '@sinclair/typebox'
import type { SimpleAuth } from '../simple-auth'
import { ConfigError } from '../errors'
import { compileAuthz, type AuthzRule, type CompiledAuthz } from '../authz/rules'
import { compileArgs } from '../params/args'
import { readBody } from '../params/request'
import { DECLARATION, RouteDeclaration, type RouteOptionValues } from './declaration'
import type { RouteFlow } from './flow'
import type { RequestState } from './state'

/** What a route's authorization reads and gives the handler. */
interface AuthorizedContext {
	fsa: RequestState
	body: unknown
	params?: Record<string, string>
	user?: string | null
	args?: Record<string, unknown>
}

/** Options a route gave before its authz, kept on its hook until authz reads them. */
const PENDING = Symbol('route options')

type Hook = Record<string | symbol, unknown>

/** A route's declaration, from its authz macro to the hooks it chooses (Elysia's nested macro). */
class DeclaredRoute {
	route: RouteDeclaration | undefined
	static #count = 0
	/** Elysia deduplicates a macro's hooks by a seed: one per route. */
	readonly seed = ++DeclaredRoute.#count
}

export function routeMacros(auth: SimpleAuth, flow: RouteFlow) {
	const { settings } = auth

	/**
	 * Compile a route's declaration from its options: its authz, and the authn, args and realm
	 * given beside it (read here, or kept by their own macros when they came first).
	 */
	function declare(authz: CompiledAuthz, hook: Hook): RouteDeclaration {
		const options: RouteOptionValues = { ...(hook[PENDING] as RouteOptionValues | undefined) }
		if (hook.authn !== undefined) options.authn = hook.authn as string | string[]
		if (hook.args !== undefined) options.args = hook.args
		if (hook.realm !== undefined) options.realm = hook.realm as string
		const schemes = options.authn !== undefined ? flow.checkAuthn(options.authn) : settings.authDefault
		const args = options.args !== undefined ? compileArgs(options.args as TObject, auth.hooks) : undefined
		// the one place that decides how a route is authorized: an OPEN route open to anyone, with
		// nothing to read or wait for, at once and without hooks of its own; a route that
		// authenticates and asks nothing more (no group, permission or before-exec hook), at once
		// after its chain; any other, waiting where it must
		const noHooks = auth.hooks.beforeExec.length === 0
		const immediate = authz.open && schemes.includes('none') && args === undefined && noHooks
		const atOnce = authz.groups.length === 0 && authz.permissions.length === 0 && noHooks
		const route = new RouteDeclaration(
			flow,
			authz,
			schemes,
			options.authn !== undefined,
			args,
			options.realm,
			immediate,
			atOnce,
			options
		)
		// a new detail object: the route's own may be shared with other routes
		hook.detail = { ...(hook.detail as object | undefined), [DECLARATION]: route }
		return route
	}

	/**
	 * An `authn`, `args` or `realm` option: read by the route's authz, beside it; anywhere else
	 * (a guard, a group) it would be left unchecked, so it is refused.
	 */
	function keepOption(hook: Hook, key: keyof RouteOptionValues, value: unknown) {
		const made = (hook.detail as Record<string, unknown> | undefined)?.[DECLARATION]
		if (made instanceof RouteDeclaration) {
			// the route's authz came first and read it already
			if (made.options[key] === value) return
		} else if ('authz' in hook) {
			// the route's authz comes next, and Elysia removes each option once applied
			;((hook[PENDING] ??= {}) as Record<string, unknown>)[key] = value
			return
		}
		throw new ConfigError(`${key} must be declared on the route itself, next to its authz`)
	}

	/** The raw body of a route that reads one, for the parameters (Elysia's parser is bypassed). */
	function readRawBody({ request }: { request: Request }, contentType: string) {
		return readBody(request, contentType, settings.maxBody)
	}

	/** The resolve hook of a route that is not open: the scheme chain (401), then `user` for the handler. */
	function authenticateRoute({ fsa, body }: { fsa: RequestState; body: unknown }) {
		return flow.authenticate(fsa, body)
	}

	/**
	 * The beforeHandle hook of a route that authenticates and asks nothing more: its parameters,
	 * at once. Elysia reads hooks' source and waits for those that look as if they could return
	 * a promise: this one reads and writes properties only.
	 */
	function authorizeAuthenticated(context: AuthorizedContext) {
		context.user = context.fsa.user
		context.args = flow.authorizeAtOnce(context.fsa, context.params)
	}

	/**
	 * The beforeHandle hook of any other route not authorized at once: groups, parameters,
	 * permissions and before-exec hooks; the handler then receives `args`, and `user` (null on
	 * OPEN routes).
	 */
	function authorizeRoute(context: AuthorizedContext) {
		// the context is only read and written by property: Elysia, which reads hooks' source,
		// would prepare every part of the request (headers, cookies) for a hook it is passed on by
		const args = flow.authorize(context.fsa, context.body, context.params)
		if (args instanceof Promise)
			return args.then((args) => {
				context.user = context.fsa.user
				context.args = args
			})
		context.user = context.fsa.user
		context.args = args
	}

	return {
		/** Who may call the route: OPEN, AUTH, CLOSE, a group, or `[domain, variables, mode]`. */
		authz(rule: AuthzRule) {
			const compiled = compileAuthz(
				rule,
				(domain) => auth.hooks.domainChecks.has(domain),
				(group) => auth.authorization.hasGroup(group)
			)
			const declared = new DeclaredRoute()
			// Elysia applies these in order: introspect sees every option of the route (its
			// authn, args and realm too), then the nested macro adds the hooks it needs
			return {
				introspect(hook: Hook) {
					declared.route = declare(compiled, hook)
				},
				authorization: declared
			}
		},
		/** How `authz` authorizes its route; set by `authz` itself, never by routes. */
		authorization(declared: DeclaredRoute) {
			if (!(declared instanceof DeclaredRoute) || declared.route === undefined)
				throw new ConfigError('authorization is set by authz, not by routes')
			const route = declared.route
			function routeOf({ fsa }: { fsa: RequestState }) {
				fsa.route = route
			}
			if (route.immediate) return { seed: declared.seed, transform: routeOf }
			// an OPEN route authenticates no one: it pays for no chain
			if (route.open)
				return {
					seed: declared.seed,
					transform: routeOf,
					parse: readRawBody,
					beforeHandle: authorizeRoute
				}
			return {
				seed: declared.seed,
				transform: routeOf,
				parse: readRawBody,
				resolve: authenticateRoute,
				// the chain loaded the parameters: with nothing more to ask, nothing waits
				beforeHandle: route.authorizedAtOnce ? authorizeAuthenticated : authorizeRoute
			}
		},
		/** The schemes this route accepts, within FSA_AUTH. */
		authn: (value: string | string[]) => ({
			introspect: (hook: Hook) => keepOption(hook, 'authn', value)
		}),
		/** Typed parameters, merged from the path, query, form and JSON body. */
		args: (schema: TObject) => ({
			introspect: (hook: Hook) => keepOption(hook, 'args', schema)
		}),
		/** A realm of its own for this route's challenges and tokens. */
		realm: (realm: string) => ({
			introspect: (hook: Hook) => keepOption(hook, 'realm', realm)
		})
	}
}
