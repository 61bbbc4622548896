/**
 * Start-up checks of an application's routes, and the route index that tells a 405 (with
 * Allow) from a 404: every route declares authz, names groups and scopes that exist, and
 * object permissions over variables it has.
 */
import type { AnyElysia } from 'elysia'
import type { SimpleAuth } from './core'
import type { Scheme } from './config'
import { ConfigError } from './errors'
import type { RouteFlow } from './flow'

interface IndexedRoute {
	method: string
	pattern: RegExp
}

function routePattern(path: string): RegExp {
	const source = path
		.split('/')
		.map((part) =>
			part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
		)
		.join('/')
	return new RegExp(`^${source}/?$`)
}

const checkers = new WeakMap<SimpleAuth, RouteChecks>()

/**
 * Run the start-up route checks of the `simpleAuth` plugin that `app` uses, and return the
 * warnings; `listen` runs them by itself, tests using `app.handle` call this.
 */
export function checkRoutes(app: AnyElysia): string[] {
	const auth = (app.decorator as { auth?: SimpleAuth }).auth
	const checker = auth && checkers.get(auth)
	if (!checker) throw new ConfigError('this application does not use the simpleAuth plugin')
	return checker.check(app)
}

export class RouteChecks {
	readonly #routes: IndexedRoute[] = []

	constructor(
		readonly auth: SimpleAuth,
		readonly flow: RouteFlow
	) {
		checkers.set(auth, this)
	}

	/** The methods a path answers, for the Allow header of a 405; none for a 404. */
	allowedMethods(path: string): string[] {
		const methods = new Set<string>()
		for (const route of this.#routes) if (route.pattern.test(path)) methods.add(route.method)
		if (methods.has('GET')) methods.add('HEAD')
		return [...methods].sort()
	}

	/** Index the routes and check their declarations; throws ConfigError, returns warnings. */
	check(app: AnyElysia): string[] {
		const { auth } = this
		const { settings } = auth
		const warnings: string[] = []
		this.#routes.length = 0
		for (const route of app.routes) {
			const detail = (route.hooks?.detail ?? {}) as Record<string, unknown>
			if (detail.hide) continue
			// the CORS plugin answers every preflight before routing
			if (settings.cors.enabled && route.method === 'OPTIONS') continue
			this.#routes.push({ method: route.method, pattern: routePattern(route.path) })
			const label = `${route.method} ${route.path}`
			const pathProblem = auth.hooks.pathCheck?.(route.method, route.path)
			if (pathProblem) throw new ConfigError(pathProblem)
			if (detail['x-authz'] === undefined) {
				warnings.push(`route without authz, closed (403): ${label}`)
				continue
			}
			const authn = (detail['x-authn'] as Scheme[] | undefined) ?? settings.authDefault
			if (detail['x-authz'] === 'OPEN' && !authn.includes('none'))
				warnings.push(`OPEN route without the none scheme requires authentication: ${label}`)
			// a route authorized at once was chosen from its own options: a guard or a group that
			// adds authn or args to it would leave them unchecked (requests fail closed, with 500)
			const declared = {
				open: detail['x-authz'] === 'OPEN',
				schemes: authn,
				hasArgs: detail['x-args'] !== undefined
			}
			if (detail['x-immediate'] === true && !this.flow.immediate(declared))
				throw new ConfigError(`${label}: declare authn and args on the route itself, with its authz`)
			const groups = (detail['x-groups'] as string[] | undefined) ?? []
			const oauthOnly = authn.length === 1 && authn[0] === 'oauth'
			const { authzScopes } = settings
			for (const group of groups) {
				if (oauthOnly && authzScopes.length > 0 && !authzScopes.includes(group))
					throw new ConfigError(`${label}: unexpected scope "${group}", not in FSA_AUTHZ_SCOPES`)
				if (!oauthOnly && !auth.hasCheckableGroup(group))
					throw new ConfigError(
						`${label}: "${group}" is an oauth scope: the route must use authn "oauth"`
					)
			}
			const names = new Set([
				...((detail['x-args'] as string[] | undefined) ?? []),
				...[...route.path.matchAll(/:(\w+)/g)].map((match) => match[1])
			])
			for (const group of groups)
				if (names.has(group))
					throw new ConfigError(
						`${label}: authz names group "${group}", a route parameter: is the domain of an object permission misspelled?`
					)
			for (const variable of (detail['x-variables'] as string[] | undefined) ?? [])
				if (!names.has(variable))
					throw new ConfigError(
						`${label}: object permission variable "${variable}" is neither a path parameter nor in args`
					)
		}
		return warnings
	}
}
