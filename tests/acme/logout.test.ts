/**
 * Token revocation in Acme: DELETE /token (logout) refuses the token that authenticated it;
 * a deleted user's tokens are refused at once.
 */
import { afterEach, describe, expect, it, setSystemTime } from 'bun:test'
import { createAcme } from '../../src/acme'
import { checkRoutes } from '../../src/auth'
import { FAST_PASSWORDS, call } from '../support/helpers'

const config = {
	...FAST_PASSWORDS,
	FSA_AUTH: ['token', 'basic', 'none'],
	FSA_TOKEN_SECRET: 'logout-test-secret-0123'
}

afterEach(() => setSystemTime())

describe('logout and deleted users', () => {
	it('DELETE /token refuses the token from then on, and needs a token', async () => {
		const { app, auth, store } = await createAcme({ config, adminPassword: 'Adm1n!' })
		try {
			checkRoutes(app)
			const token = await auth.createToken('acme')
			expect((await call(app, 'GET', '/hello-me', { bearer: token })).status).toBe(200)
			expect((await call(app, 'DELETE', '/token', { basic: ['acme', 'Adm1n!'] })).status).toBe(401)
			const logout = await call(app, 'DELETE', '/token', { bearer: token })
			expect(logout.status).toBe(204)
			expect(logout.headers.get('cache-control')).toBe('no-store')
			expect(await call(app, 'GET', '/hello-me', { bearer: token })).toMatchObject({
				status: 401,
				text: 'revoked auth token'
			})
			// other tokens of the user still work
			const other = await auth.createToken('acme', { delayMinutes: 5 })
			expect((await call(app, 'GET', '/hello-me', { bearer: other })).status).toBe(200)
		} finally {
			await store.close()
		}
	})

	it('refuses, within a second, the tokens of a user deleted behind the service', async () => {
		const { app, auth, store } = await createAcme({ config, adminPassword: 'Adm1n!' })
		try {
			await store.addUser('calvin', await auth.hashPassword('Hobbes1'), 'c@acme.org', false)
			const token = await auth.createToken('calvin')
			expect((await call(app, 'GET', '/hello-me', { bearer: token })).status).toBe(200)
			await store.deleteUser('calvin')
			// the user's existence is asked of the database at most once a second
			setSystemTime(new Date(Date.now() + 1500))
			expect(await call(app, 'GET', '/hello-me', { bearer: token })).toMatchObject({
				status: 401,
				text: 'no such user for auth token'
			})
		} finally {
			await store.close()
		}
	})

	it('has no logout route when tokens are not enabled', async () => {
		const { app, store } = await createAcme({ config: { ...config, FSA_AUTH: ['basic', 'none'] } })
		try {
			checkRoutes(app)
			expect((await call(app, 'DELETE', '/token')).status).toBe(405)
		} finally {
			await store.close()
		}
	})
})
