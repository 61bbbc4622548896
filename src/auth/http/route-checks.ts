/**
 * Start-up checks of an application's routes, and the route index that tells a 405 (with
 * Allow) from a 404: every route declares authz, names groups and scopes that exist, and
 * object permissions over variables it has.
 */
import type { AnyElysia } from 'elysia'
import { SimpleAuth } from '../simple-auth'
import type { Served } from './plugin'
import { declarationOf } from './declaration'
import { ConfigError } from '../errors'
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

/**
 * Run the start-up route checks of the `simpleAuth` plugin that `app` uses, and return the
 * warnings; `listen` runs them by itself, tests using `app.handle` call this.
 */
export function checkRoutes(app: AnyElysia): string[] {
	const auth = (app.decorator as { auth?: SimpleAuth }).auth
	const checker = auth instanceof SimpleAuth ? auth.served<Served>()?.checks : undefined
	if (!checker) throw new ConfigError('this application does not use the simpleAuth plugin')
	return checker.check(app)
}

export class RouteChecks {
	readonly #routes: IndexedRoute[] = []

	constructor(
		readonly auth: SimpleAuth,
		readonly flow: RouteFlow
	) {}

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
		for (const entry of app.routes) {
			if ((entry.hooks?.detail as { hide?: boolean } | undefined)?.hide) continue
			// the CORS plugin answers every preflight before routing
			if (settings.cors.enabled && entry.method === 'OPTIONS') continue
			this.#routes.push({ method: entry.method, pattern: routePattern(entry.path) })
			const label = `${entry.method} ${entry.path}`
			const pathProblem = auth.hooks.pathCheck?.(entry.method, entry.path)
			if (pathProblem) throw new ConfigError(pathProblem)
			const route = declarationOf(entry, this.flow)
			if (route === undefined) {
				warnings.push(`route without authz, closed (403): ${label}`)
				continue
			}
			const { authz, schemes } = route
			if (authz.open && !schemes.includes('none'))
				warnings.push(`OPEN route without the none scheme requires authentication: ${label}`)
			const oauthOnly = schemes.length === 1 && schemes[0] === 'oauth'
			const { authzScopes } = settings
			for (const group of authz.groups) {
				if (oauthOnly && authzScopes.length > 0 && !authzScopes.includes(group))
					throw new ConfigError(`${label}: unexpected scope "${group}", not in FSA_AUTHZ_SCOPES`)
				if (!oauthOnly && !auth.authorization.hasCheckableGroup(group))
					throw new ConfigError(
						`${label}: "${group}" is an oauth scope: the route must use authn "oauth"`
					)
			}
			const names = route.names(entry.path)
			for (const group of authz.groups)
				if (names.has(group))
					throw new ConfigError(
						`${label}: authz names group "${group}", a route parameter: is the domain of an object permission misspelled?`
					)
			for (const variable of route.variables)
				if (!names.has(variable))
					throw new ConfigError(
						`${label}: object permission variable "${variable}" is neither a path parameter nor in args`
					)
		}
		return warnings
	}
}
