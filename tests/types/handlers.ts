/**
 * Type tests: what a handler receives follows its route's declaration. Checked by `tsc`
 * (CI's type check, which includes tests/); each `@ts-expect-error` marks a misuse that must
 * not compile, so the check fails if the types ever let it through.
 */
import { Elysia, t } from 'elysia'
import { Cast, CurrentUser, JsonData, SimpleAuth, simpleAuth } from '../../src/auth'

const auth = new SimpleAuth({
	name: 'types',
	config: { FSA_AUTH: ['token', 'basic', 'code', 'none'] },
	authentication: { code: () => null }
})
	.groupCheck('admin', () => true)
	.objectPerms('note', () => true)

function expectType<T>(value: T): T {
	return value
}

export const app = new Elysia()
	.use(simpleAuth(auth))
	.get(
		'/notes/:id',
		({ user, args, params }) => {
			expectType<string>(user)
			expectType<number>(args.n)
			expectType<string[] | undefined>(args.tags)
			// params keep Elysia's inference from the path
			expectType<string>(params.id)
			// @ts-expect-error: a wrong type for an argument
			expectType<string>(args.n)
			// @ts-expect-error: an argument the route does not declare
			expectType<number>(args.missing)
			// @ts-expect-error: the login is a string, not a number
			expectType<number>(user)
			// @ts-expect-error: no such parameter in the path
			expectType<string>(params.other)
			return { user, n: args.n }
		},
		{ authz: 'AUTH', args: t.Object({ n: t.Integer(), tags: t.Optional(t.Array(t.String())) }) }
	)
	.get(
		'/hello',
		({ user }) => {
			expectType<string | null>(user)
			// @ts-expect-error: an OPEN route may have no user: check it first
			expectType<string>(user)
			return user === null ? 'hello' : `hello ${user}`
		},
		{ authz: 'OPEN' }
	)
	.post(
		'/notes',
		({ user, args }) => {
			expectType<string>(user)
			expectType<string>(args.text)
			expectType<unknown>(args.data)
			expectType<string>(args.me)
			expectType<Date>(args.when)
			return { text: args.text }
		},
		{
			authz: 'admin',
			args: t.Object({
				text: t.String(),
				data: JsonData(),
				me: CurrentUser(),
				when: Cast<Date>('date')
			})
		}
	)
	.patch('/notes/:id', ({ user, params }) => `${user} ${params.id}`, { authz: ['note', 'id'] })
	.delete('/notes/:id', ({ user }) => expectType<string>(user), { authz: 'AUTH', authn: ['token', 'code'] })
	.put('/notes/:id', ({ user }) => expectType<string>(user), { authz: 'AUTH', authn: 'password' })
	// @ts-expect-error: a scheme name that does not exist
	.get('/scheme', ({ user }) => user, { authz: 'AUTH', authn: 'bsic' })
	// @ts-expect-error: a scheme name that does not exist, in a list
	.get('/schemes', ({ user }) => user, { authz: 'AUTH', authn: ['token', 'bsic'] })
	.get(
		'/context',
		(context) => {
			expectType<SimpleAuth<'code'>>(context.auth)
			// @ts-expect-error: the framework's inner state is not part of the handler's context
			expectType<unknown>(context.fsa)
			return 'ok'
		},
		{ authz: 'AUTH' }
	)

// without simpleAuth, authz is not a route option and handlers get no user
new Elysia().get(
	'/plain',
	// @ts-expect-error: no user without the plugin
	({ user }) => user
)
