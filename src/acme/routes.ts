/**
 * The tutorial's routes, declared on the framework's public API only.
 */
import { Elysia, t } from 'elysia'
import {
	ErrorResponse,
	JsonData,
	openapiDocument,
	simpleAuth,
	type OpenApiDocument,
	type Scheme,
	type SimpleAuth
} from '../auth'
import type { AcmeData } from './store'
import { DOCS_ASSETS, DOCS_PATH, SPEC_PATH, docsPage } from './docs'
import { version } from '../../package.json'

const Someone = t.Object({ name: t.String(), born: t.String({ format: 'date' }) })
const DAY_MS = 24 * 60 * 60 * 1000

/** The login of an authenticated route; the framework never runs such a route without one. */
function login(user: string | null): string {
	if (user === null) throw new ErrorResponse('missing authentication', 401)
	return user
}

export function isPrime(n: number): boolean {
	if (!Number.isInteger(n) || n < 2) return false
	if (n % 2 === 0) return n === 2
	for (let divisor = 3; divisor * divisor <= n; divisor += 2) if (n % divisor === 0) return false
	return true
}

function daysSince(born: string, now = new Date()): number {
	const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
	return Math.floor((today - Date.parse(`${born}T00:00:00Z`)) / DAY_MS)
}

export function createRoutes(auth: SimpleAuth, store: AcmeData) {
	const { auth: enabled, authDefault } = auth.settings
	/** The schemes among those a route prefers that the configuration enables. */
	const prefer = (...schemes: Scheme[]): { authn: Scheme[] } => {
		const chosen = schemes.filter((scheme) => enabled.includes(scheme))
		return { authn: chosen.length > 0 ? chosen : authDefault }
	}
	// open routes stay open when the default chain lacks "none" (the tutorial's last section);
	// a new object for each route, since Elysia writes the route's details into its options
	const open = () => ({
		authz: 'OPEN' as const,
		...(authDefault.includes('none') ? { authn: authDefault } : prefer('none'))
	})

	// token routes exist only when this service can create tokens (not with FSA_TOKEN_TYPE none)
	const tokenRoutes = new Elysia({ name: 'acme-token-routes' }).use(simpleAuth(auth))
	if (auth.tokens.canCreate)
		tokenRoutes
			.get('/token', async ({ user }) => ({ token: await auth.createToken(login(user)) }), {
				authz: 'AUTH',
				...prefer('token', 'basic', 'param')
			})
			.post(
				'/token',
				async ({ user, set }) => {
					set.status = 201
					return { token: await auth.createToken(login(user)) }
				},
				{ authz: 'AUTH', ...prefer('param') }
			)
	// logout: the token that authenticated this request is refused from now on, on every instance
	if (enabled.includes('token'))
		tokenRoutes.delete(
			'/token',
			async ({ fsa, set }) => {
				await auth.revokeToken(fsa.token!, fsa.realm)
				set.status = 204
			},
			{ authz: 'AUTH', authn: ['token'] }
		)

	const routes = new Elysia({ name: 'acme-routes' }).use(simpleAuth(auth))
	let document: OpenApiDocument | undefined
	// the docs routes are hidden from the document they serve
	const docs = () => ({ ...open(), detail: { hide: true } })

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
				try {
					await store.ping()
					return { status: 'ok' }
				} catch {
					set.status = 503
					return { status: 'unavailable' }
				}
			},
			{ ...open(), detail: { summary: 'the service is up and its database answers' } }
		)
		.get('/hello', () => ({ msg: 'hello', version }), open())
		.get('/hello-me', ({ user }) => ({ msg: 'hello', user: login(user) }), { authz: 'AUTH' })
		.post(
			'/stuff',
			async ({ user, args, set }) => {
				await store.addStuff(args.stuff, login(user), args.price)
				set.status = 201
				return `stuff added: ${args.stuff}`
			},
			{ authz: 'AUTH', args: t.Object({ stuff: t.String({ minLength: 1 }), price: t.Number() }) }
		)
		.get('/stuff', ({ user }) => store.getUserStuff(login(user)), { authz: 'AUTH' })
		.patch(
			'/stuff/:sid',
			async ({ params, args }) => {
				await store.changeStuff(params.sid, args.price)
				return `stuff changed: ${params.sid}`
			},
			{ authz: ['stuff', 'sid', 'owner'], args: t.Object({ price: t.Number() }) }
		)
		.use(tokenRoutes)
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
		.get('/primes', ({ args }) => (args.li as number[]).filter(isPrime), {
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
