/**
 * The tutorial's routes, declared on the framework's public API only.
 */
import { Elysia, t } from 'elysia'
import {
	CurrentToken,
	JsonData,
	openapiDocument,
	simpleAuth,
	type BuiltinScheme,
	type OpenApiDocument,
	type SimpleAuth
} from '../auth'
import type { AcmeData } from './store'
import { withDeadline } from './deadline'
import { DOCS_ASSETS, DOCS_PATH, SPEC_PATH, docsPage } from './docs'
import { isPrime } from './primes'
import { loginAnswer } from './second-factor'
import { secondFactorRoutes } from './otp-routes'
import { version } from '../../package.json'

const Someone = t.Object({ name: t.String(), born: t.String({ format: 'date' }) })
const DAY_MS = 24 * 60 * 60 * 1000
/** Longest wait of /health for one dependency: a load balancer's probe gets its answer within 2 s. */
const HEALTH_TIMEOUT_MS = 1500

type Health = 'ok' | 'unavailable'

/** Whether a dependency answers its check within HEALTH_TIMEOUT_MS. */
async function probe(check: () => Promise<void>): Promise<Health> {
	try {
		await withDeadline(Promise.resolve().then(check), HEALTH_TIMEOUT_MS)
		return 'ok'
	} catch {
		return 'unavailable'
	}
}

function daysSince(born: string, now = new Date()): number {
	const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
	return Math.floor((today - Date.parse(`${born}T00:00:00Z`)) / DAY_MS)
}

/**
 * `anonymous`: whether the configuration enabled "none" itself (Acme adds it otherwise, for the
 * routes that are open whatever the configuration says).
 */
export function createRoutes(
	auth: SimpleAuth,
	store: AcmeData,
	{ anonymous = auth.settings.auth.includes('none') }: { anonymous?: boolean } = {}
) {
	const { auth: enabled, authDefault } = auth.settings
	const sharedCache = auth.settings.cache.kind === 'redis'
	/** The schemes among those a route prefers that the configuration enables (else the default). */
	const prefer = (...schemes: BuiltinScheme[]): { authn?: BuiltinScheme[] } => {
		const chosen = schemes.filter((scheme) => enabled.includes(scheme))
		return chosen.length > 0 ? { authn: chosen } : {}
	}
	// open routes stay open when the default chain lacks "none" (the tutorial's last section);
	// a new object for each route, since Elysia writes the route's details into its options
	const open = () => ({
		authz: 'OPEN' as const,
		...(authDefault.includes('none') || !anonymous ? {} : prefer('none'))
	})
	// open whatever FSA_AUTH says: monitoring and the docs need no credentials
	const alwaysOpen = () => ({ authz: 'OPEN' as const, authn: ['none' as const] })

	// token routes exist only when this service can create tokens (not with FSA_TOKEN_TYPE none)
	const tokenRoutes = new Elysia({ name: 'acme-token-routes' }).use(simpleAuth(auth))
	// the full token a login was made with, if any: else, with a second factor, a first stage
	const loginArgs = () => t.Object({ presented: t.Optional(CurrentToken()) })
	if (auth.tokens.canCreate)
		tokenRoutes
			.get('/token', ({ user, args }) => loginAnswer(auth, store, user, args.presented), {
				authz: 'AUTH',
				...prefer('token', 'basic', 'param'),
				args: loginArgs()
			})
			.post(
				'/token',
				async ({ user, args, set }) => {
					set.status = 201
					return loginAnswer(auth, store, user, args.presented)
				},
				{ authz: 'AUTH', ...prefer('param'), args: loginArgs() }
			)
	// logout: the token that authenticated this request is refused from now on, on every instance
	if (enabled.includes('token'))
		tokenRoutes.delete(
			'/token',
			async ({ args, set }) => {
				await auth.revokeToken(args.presented)
				set.status = 204
			},
			{ authz: 'AUTH', authn: ['token'], args: t.Object({ presented: CurrentToken() }) }
		)

	const routes = new Elysia({ name: 'acme-routes' }).use(simpleAuth(auth))
	let document: OpenApiDocument | undefined
	// the docs routes are hidden from the document they serve
	const docs = () => ({ ...alwaysOpen(), detail: { hide: true } })

	routes
		.get(
			SPEC_PATH,
			() => (document ??= openapiDocument(routes, auth, { title: 'Acme', version })),
			docs()
		)
		.get(
			DOCS_PATH,
			({ set }) => {
				set.headers['content-type'] = 'text/html; charset=utf-8'
				return docsPage('Acme API')
			},
			docs()
		)
	for (const [path, asset] of Object.entries(DOCS_ASSETS))
		routes.get(
			path,
			({ set }) => {
				set.headers['content-type'] = asset.type
				set.headers['cache-control'] = 'public, max-age=3600'
				return asset.body
			},
			docs()
		)

	return routes
		.get(
			'/health',
			async ({ set }) => {
				set.headers['cache-control'] = 'no-store'
				// every dependency at once: the answer takes the longest check, not their sum
				const [database, cache] = await Promise.all([
					probe(() => store.ping()),
					sharedCache ? probe(() => auth.cache.check()) : undefined
				])
				const healthy = database === 'ok' && (cache ?? 'ok') === 'ok'
				if (!healthy) set.status = 503
				return {
					status: healthy ? 'ok' : 'unavailable',
					database,
					...(cache === undefined ? {} : { cache })
				}
			},
			{
				...alwaysOpen(),
				detail: { summary: 'the service is up, and each dependency (database, Redis cache) answers' }
			}
		)
		.get('/hello', () => ({ msg: 'hello', version }), open())
		.get('/hello-me', ({ user }) => ({ msg: 'hello', user }), { authz: 'AUTH' })
		.post(
			'/stuff',
			async ({ user, args, set }) => {
				await store.addStuff(args.stuff, user, args.price)
				set.status = 201
				return `stuff added: ${args.stuff}`
			},
			{ authz: 'AUTH', args: t.Object({ stuff: t.String({ minLength: 1 }), price: t.Number() }) }
		)
		.get('/stuff', ({ user }) => store.getUserStuff(user), { authz: 'AUTH' })
		.patch(
			'/stuff/:sid',
			async ({ params, args }) => {
				await store.changeStuff(params.sid, args.price)
				return `stuff changed: ${params.sid}`
			},
			{ authz: ['stuff', 'sid', 'owner'], args: t.Object({ price: t.Number() }) }
		)
		.use(tokenRoutes)
		.use(secondFactorRoutes(auth, store))
		.post(
			'/user',
			async ({ args, set }) => {
				await store.addUser(args.login, await auth.hashPassword(args.password), args.email, false)
				set.status = 201
				return `user added: ${args.login}`
			},
			{ authz: 'admin', args: t.Object({ login: t.String(), password: t.String(), email: t.String() }) }
		)
		.get('/days', ({ args }) => ({ name: args.who.name, days: daysSince(args.who.born) }), {
			...open(),
			args: t.Object({ who: Someone })
		})
		.get('/primes', ({ args }) => args.li.filter(isPrime), {
			...open(),
			args: t.Object({ li: t.Array(t.Integer()) })
		})
		.get(
			'/len',
			({ args }) => {
				const p = args.p
				return {
					len:
						typeof p === 'string' || Array.isArray(p)
							? p.length
							: p !== null && typeof p === 'object'
								? Object.keys(p).length
								: 'not available'
				}
			},
			{ ...open(), args: t.Object({ p: JsonData() }) }
		)
}
