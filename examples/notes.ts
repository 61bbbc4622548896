/**
 * A notes service on the framework alone: users log in with a password to get a token, write
 * notes, and read only their own; admins count everyone's. Run: bun examples/notes.ts
 */
import { Elysia, t } from 'elysia'
import { SimpleAuth, err, simpleAuth } from '../src/auth'

interface Note {
	owner: string
	text: string
}

export async function createNotesApp(config: Record<string, unknown> = {}) {
	const users = new Map<string, { hash: string; admin: boolean }>()
	const notes = new Map<number, Note>()
	const auth = new SimpleAuth({
		name: 'notes',
		config: { FSA_AUTH: ['token', 'basic', 'none'], ...config }
	})
		.getUserPass((login) => users.get(login)?.hash ?? null)
		.groupCheck('admin', (login) => users.get(login)?.admin === true)
		.objectPerms('note', (login, id: number) => (notes.has(id) ? notes.get(id)!.owner === login : null))
	users.set('ada', { hash: await auth.hashPassword('Lovelace1815'), admin: true })
	users.set('alan', { hash: await auth.hashPassword('Turing1912'), admin: false })

	let next = 1
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/login', async ({ user }) => ({ token: await auth.createToken(user) }), {
			authz: 'AUTH',
			authn: 'basic'
		})
		.post(
			'/notes',
			({ user, args, set }) => {
				notes.set(next, { owner: user, text: args.text })
				set.status = 201
				return { id: next++ }
			},
			{ authz: 'AUTH', args: t.Object({ text: t.String({ minLength: 1, maxLength: 1000 }) }) }
		)
		.get('/notes/:id', ({ args }) => notes.get(args.id)?.text ?? err('no such note', 404), {
			authz: ['note', 'id'],
			args: t.Object({ id: t.Integer() })
		})
		.get('/stats', () => ({ notes: notes.size }), { authz: 'admin' })
	return { app, auth }
}

if (import.meta.main) {
	const { app } = await createNotesApp()
	app.listen(Number(process.env.PORT ?? 5001))
	console.log(`notes listening on http://localhost:${app.server?.port}`)
}
