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
	type SimpleAuth,
	withDeadline
} from '../auth'
import type { AcmeData } from './store'
import { DOCS_ASSETS, DOCS_PATH, SPEC_PATH, docsPage } from './docs'
import { isPrime } from './primes'
import { loginAnswer } from './second-factor'
import { secondFactorRoutes } from './otp-routes'
import { keyRoutes } from './key-routes'
import { version } from '../../package.json'

const Someone = t.Object({ name: t.String(), born: t.String({ format: 'date' }) })
const Token = t.Object({ token: t.String() })
// with a second factor, a password gives a first-stage token of realm mfa
const LoginAnswer = t.Union([Token, t.Object({ mfa_token: t.String() })])
const Dependency = t.Union([t.Literal('ok'), t.Literal('unavailable')])
const HealthReport = t.Object({
	status: Dependency,
	database: Dependency,
	cache: t.Optional(Dependency)
})
/** Errors a route answers besides the framework's, in the configured error format. */
const CONFLICT = { 409: { description: 'it exists already' } }
const DATABASE = { 503: { description: 'database unavailable' } }
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

	// token routes exist only when this service can create tokens (not with FSA_TOKEN_TYPE none);
	// a token asked for with a token expires no later than it: renewing never extends a session
	const renewable = () => ({ args: t.Object({ presented: t.Optional(CurrentToken()) }) })
	const tokenRoutes = new Elysia({ name: 'acme-token-routes' }).use(simpleAuth(auth))
	if (auth.tokens.canCreate)
		tokenRoutes
			.get('/token', ({ user, args }) => loginAnswer(auth, store, user, args.presented), {
				authz: 'AUTH',
				...prefer('token', 'basic', 'param'),
				...renewable(),
				response: LoginAnswer,
				detail: {
					summary:
						'a token for the authenticated user (a first-stage mfa_token with a second factor)',
					responses: DATABASE
				}
			})
			.post(
				'/token',
				async ({ user, args, set }) => {
					set.status = 201
					return loginAnswer(auth, store, user, args.presented)
				},
				{
					authz: 'AUTH',
					...prefer('param'),
					...renewable(),
					response: { 201: LoginAnswer },
					detail: {
						summary:
							'a token for the login and password given as parameters (a first-stage mfa_token with a second factor)',
						responses: DATABASE
					}
				}
			)
	// logout: the token that authenticated this request is refused from now on, on every instance
	if (enabled.includes('token'))
		tokenRoutes.delete(
			'/token',
			async ({ args, set }) => {
				await auth.revokeToken(args.presented)
				set.status = 204
			},
			{
				authz: 'AUTH',
				authn: ['token'],
				args: t.Object({ presented: CurrentToken() }),
				response: { 204: t.Void() },
				detail: {
					summary: 'log out: the token presented is refused from now on',
					responses: DATABASE
				}
			}
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
				return asset.body()
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
				response: {
					200: t.Object(HealthReport.properties, { description: 'every dependency answers' }),
					503: t.Object(HealthReport.properties, { description: 'a dependency does not answer' })
				},
				detail: { summary: 'the service is up, and each dependency (database, Redis cache) answers' }
			}
		)
		.get('/hello', () => ({ msg: 'hello', version }), {
			...open(),
			response: t.Object({ msg: t.String(), version: t.String() }),
			detail: { summary: 'hello to anyone, with the version of the service' }
		})
		.get('/hello-me', ({ user }) => ({ msg: 'hello', user }), {
			authz: 'AUTH',
			response: t.Object({ msg: t.String(), user: t.String() }),
			detail: { summary: 'hello to the authenticated user', responses: DATABASE }
		})
		.post(
			'/stuff',
			async ({ user, args, set }) => {
				await store.addStuff(args.stuff, user, args.price)
				set.status = 201
				return `stuff added: ${args.stuff}`
			},
			{
				authz: 'AUTH',
				args: t.Object({ stuff: t.String({ minLength: 1 }), price: t.Number() }),
				response: { 201: t.String() },
				detail: { summary: 'add stuff owned by the user', responses: { ...CONFLICT, ...DATABASE } }
			}
		)
		.get('/stuff', ({ user }) => store.getUserStuff(user), {
			authz: 'AUTH',
			response: t.Array(t.Tuple([t.String(), t.Number()]), {
				description: 'the [name, price] of each'
			}),
			detail: { summary: "the user's stuff", responses: DATABASE }
		})
		.patch(
			'/stuff/:sid',
			async ({ params, args }) => {
				await store.changeStuff(params.sid, args.price)
				return `stuff changed: ${params.sid}`
			},
			{
				authz: ['stuff', 'sid', 'owner'],
				args: t.Object({ price: t.Number() }),
				response: t.String(),
				detail: { summary: 'change the price of stuff the user owns', responses: DATABASE }
			}
		)
		.use(tokenRoutes)
		.use(secondFactorRoutes(auth, store))
		.use(keyRoutes(auth, store))
		.post(
			'/user',
			async ({ args, set }) => {
				await store.addUser(args.login, await auth.hashPassword(args.password), args.email, false)
				set.status = 201
				return `user added: ${args.login}`
			},
			{
				authz: 'admin',
				args: t.Object({ login: t.String(), password: t.String(), email: t.String() }),
				response: { 201: t.String() },
				detail: { summary: 'add a user (admins only)', responses: { ...CONFLICT, ...DATABASE } }
			}
		)
		.get('/days', ({ args }) => ({ name: args.who.name, days: daysSince(args.who.born) }), {
			...open(),
			args: t.Object({ who: Someone }),
			response: t.Object({ name: t.String(), days: t.Integer() }),
			detail: { summary: 'days since someone was born' }
		})
		.get('/primes', ({ args }) => args.li.filter(isPrime), {
			...open(),
			args: t.Object({ li: t.Array(t.Integer()) }),
			response: t.Array(t.Integer(), { description: 'the primes among the numbers given' }),
			detail: { summary: 'the primes of a list of integers' }
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
			{
				...open(),
				args: t.Object({ p: JsonData() }),
				response: t.Object({ len: t.Union([t.Integer(), t.Literal('not available')]) }),
				detail: { summary: 'the length of a JSON string, array or object' }
			}
		)
}
