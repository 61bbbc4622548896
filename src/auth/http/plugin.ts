/**
 * The Elysia plugin of a SimpleAuth, wiring the pieces of the request pipeline: admission (the
 * request's state and the checks before routing), the route options (macros), authorization,
 * response mapping, error rendering and the start-up route checks.
 */
import { Elysia, type AnyElysia } from 'elysia'
import { cors } from '@elysiajs/cors'
import type { SimpleAuth } from '../simple-auth'
import type { BuiltinScheme } from '../config/settings'
import type { SimpleAuthPlugin } from './handler-types'
// the overloads that type handlers by their route's declaration
import type {} from './route-types'
import { RouteFlow } from './flow'
import { RouteChecks } from './route-checks'
import { Admission } from './admission'
import { routeMacros } from './route-macros'
import { errorRendering, responseMapping } from './response-mapping'

export { RequestState } from './state'
export { checkRoutes } from './route-checks'

/**
 * The Elysia plugin of a `SimpleAuth`: every route declares `authz`; a route without it
 * answers 403. The handler receives `user` (the authenticated login) and `args` (typed
 * parameters). One plugin per SimpleAuth, however many apps use it.
 * @example
 * const auth = new SimpleAuth({ name: 'acme', config: { FSA_AUTH: ['basic', 'none'] } })
 * const app = new Elysia().use(simpleAuth(auth))
 *   .get('/hello-me', ({ user }) => ({ user }), { authz: 'AUTH' })
 */
export function simpleAuth<Custom extends string = never>(
	auth: SimpleAuth<Custom>
): SimpleAuthPlugin<SimpleAuth<Custom>, BuiltinScheme | Custom> {
	const served = auth.served(() => servePlugin(auth as SimpleAuth))!
	return served.plugin as unknown as SimpleAuthPlugin<SimpleAuth<Custom>, BuiltinScheme | Custom>
}

/** What serves one SimpleAuth: its Elysia plugin, and the checks and index of its routes. */
export interface Served {
	plugin: AnyElysia
	checks: RouteChecks
}

/** Each plugin is told apart by its own seed: two SimpleAuth instances never merge. */
let pluginCount = 0

function servePlugin(auth: SimpleAuth): Served {
	const { settings } = auth
	const flow = new RouteFlow(auth)
	const routeChecks = new RouteChecks(auth, flow)
	const admission = new Admission(auth)
	// the hooks that shape responses are known now: SimpleAuth refuses them from here on
	const addHeaders = responseMapping(auth)
	auth.hooks.seal()

	let plugin = new Elysia({ name: 'simple-auth', seed: ++pluginCount }).decorate('auth', auth)
	if (auth.hooks.beforeRequest.length > 0)
		plugin = plugin.onRequest(async function startRequest({ request }) {
			// typed as nothing: it does not change what routes answer, for clients such as Eden
			return (await admission.start(request)) as unknown as undefined
		})

	// as flask-cors: credentials are not allowed unless FSA_CORS_OPTS says so
	const corsOptions = { credentials: false, ...settings.cors.options }
	const base = settings.cors.enabled ? new Elysia().use(cors(corsOptions)) : new Elysia()
	const served = base.use(
		plugin
			.derive(
				{ as: 'global' },
				// with before-request hooks, the request hook made the state already
				auth.hooks.beforeRequest.length > 0
					? function startedState({ request, route }) {
							return { fsa: admission.resumed(request, route) }
						}
					: function requestState({ request, route }) {
							return { fsa: admission.routed(request, route) }
						}
			)
			.macro(routeMacros(auth, flow))
			// synchronous, for the routes authorized at once (and the undeclared ones, closed):
			// Elysia reads the source, and takes a function returning a call's result for an
			// asynchronous one; the routes that wait have a hook of their own
			.resolve({ as: 'global' }, function authorizeImmediately({ fsa, params }) {
				if (fsa.route !== undefined && !fsa.route.immediate) return
				return {
					user: fsa.user,
					args: flow.immediateArgs(fsa, params as Record<string, string> | undefined)
				}
			})
			.mapResponse({ as: 'global' }, addHeaders)
			.onError({ as: 'global' }, errorRendering(auth, admission, routeChecks))
			.onStart(function checkOnStart(app) {
				admission.listening((app as AnyElysia).server ?? undefined)
				for (const warning of routeChecks.check(app as AnyElysia)) console.warn(warning)
			})
	)
	return { plugin: served, checks: routeChecks }
}
