/**
 * Promise: nothing of an account outlives it. A login deleted and re-created gets a version it
 * never had, so cached hashes, groups, permissions and tokens of the former account match
 * nothing; deleting a user or changing a password ends every token of that user at once.
 * In process, on SQLite and PostgreSQL, with fsa tokens and JWTs, and across two instances
 * sharing PostgreSQL and Redis. The command line against the binary is in attacks-files.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import type { AnyElysia } from 'elysia'
import { createAcme, openAcme } from '../../src/acme'
import { CHANGES_SEEN_WITHIN_MS } from '../../src/acme/sqlite'
import type { RawConfig } from '../../src/auth'
import { startRedis } from '../../scripts/services'
import { call, FAST_PASSWORDS, type RequestOptions } from '../support/helpers'
import { postgresStore, sqliteStore, type TestStore } from '../support/stores'
import { needing, requireServer } from '../support/real-servers'

const ADMIN = 'Adm1n-Secret'
const OLD = 'Old-B0ss-Pass'
const NEW = 'New-B0ss-Pass'
const base: RawConfig = {
	FSA_AUTH: ['token', 'basic', 'param', 'none'],
	FSA_REALM: 'acme',
	FSA_PARAM_USER: 'username',
	FSA_PARAM_PASS: 'password',
	FSA_TOKEN_SECRET: 'accounts-attack-secret-0123456789',
	...FAST_PASSWORDS
}
const CONFIGS: [string, RawConfig][] = [
	['fsa', base],
	['jwt', { ...base, FSA_TOKEN_TYPE: 'jwt' }]
]

const stores: TestStore[] = [sqliteStore(), postgresStore()]
const available = new Map<TestStore, boolean>()
for (const store of stores) available.set(store, await store.setUp())
const redis = requireServer('redis-server', await startRedis())
afterAll(async () => {
	await Promise.all([...stores.map((store) => store.tearDown()), redis?.stop()])
})

/** What an account can do: who it is, whether it is admin, what it owns. */
async function powers(app: AnyElysia, auth: RequestOptions) {
	const me = await call(app, 'GET', '/hello-me', auth)
	const admin = await call(app, 'POST', '/user', {
		...auth,
		json: { login: `probe${Date.now() % 100000}x`, password: 'Pr0be-Pass', email: 'p@acme.org' }
	})
	const stuff = await call(app, 'PATCH', '/stuff/crown', { ...auth, json: { price: 2 } })
	return { me: me.status, admin: admin.status, stuff: stuff.status }
}

for (const store of stores)
	for (const [tokenType, config] of CONFIGS)
		describe.skipIf(!available.get(store))(
			needing(
				`a re-created login on ${store.kind}, ${tokenType} tokens`,
				store.kind,
				available.get(store)
			),
			() => {
				const run = (name: string, body: () => Promise<void>) => test(name, body, 30_000)

				run(
					'an admin deleted by the command line and re-created through POST /user starts with nothing',
					async () => {
						const db = await store.persistent()
						const { app, store: data } = await createAcme({ config, db, adminPassword: ADMIN })
						// the command line: its own connection and framework on the same database
						const cli = await openAcme({ config, db })
						try {
							await cli.store.addUser(
								'boss',
								await cli.auth.hashPassword(OLD),
								'boss@acme.org',
								true
							)
							const old = { basic: ['boss', OLD] as [string, string] }
							const token = (await call(app, 'GET', '/token', old)).json.token as string
							expect(typeof token).toBe('string')
							expect(
								(
									await call(app, 'POST', '/stuff', {
										...old,
										json: { stuff: 'crown', price: 1 }
									})
								).status
							).toBe(201)
							// every fact about the old account is now cached: password, admin group, ownership, token
							expect(await powers(app, old)).toEqual({ me: 200, admin: 201, stuff: 200 })
							expect(await powers(app, { bearer: token })).toEqual({
								me: 200,
								admin: 201,
								stuff: 200
							})

							await cli.store.deleteUser('boss')
							await cli.auth.revokeUser('boss') // what `acme user delete` does
							const recreated = await call(app, 'POST', '/user', {
								basic: ['acme', ADMIN],
								json: { login: 'boss', password: NEW, email: 'boss@acme.org' }
							})
							expect(recreated.status).toBe(201)

							// the former password and token are refused, at once
							expect((await call(app, 'GET', '/hello-me', old)).status).toBe(401)
							expect((await call(app, 'GET', '/hello-me', { bearer: token })).status).toBe(401)
							expect(
								(await call(app, 'POST', '/user', { bearer: token, json: {} })).status
							).toBe(401)
							// the new account: its password works, with no rights and no objects
							const fresh = { basic: ['boss', NEW] as [string, string] }
							expect(await powers(app, fresh)).toEqual({ me: 200, admin: 403, stuff: 404 })
							expect((await call(app, 'GET', '/stuff', fresh)).json).toEqual([])
							// a token of the new account works; the old one still does not
							const newToken = (await call(app, 'GET', '/token', fresh)).json.token as string
							expect(await powers(app, { bearer: newToken })).toEqual({
								me: 200,
								admin: 403,
								stuff: 404
							})
							expect((await call(app, 'GET', '/hello-me', { bearer: token })).status).toBe(401)
							expect(await data.userIsAdmin('boss')).toBe(false)
						} finally {
							await cli.store.close()
							await data.close()
						}
					}
				)

				run(
					'a password changed by the command line ends every token of the user at once',
					async () => {
						const db = await store.persistent()
						const { app, store: data } = await createAcme({ config, db, adminPassword: ADMIN })
						const cli = await openAcme({ config, db })
						try {
							await cli.store.addUser(
								'boss',
								await cli.auth.hashPassword(OLD),
								'boss@acme.org',
								false
							)
							const old = { basic: ['boss', OLD] as [string, string] }
							const first = (await call(app, 'GET', '/token', old)).json.token as string
							const second = (
								await call(app, 'POST', '/token', {
									form: { username: 'boss', password: OLD }
								})
							).json.token as string
							const fromCli = await cli.auth.createToken('boss')
							for (const token of [first, second, fromCli])
								expect((await call(app, 'GET', '/hello-me', { bearer: token })).status).toBe(
									200
								)

							await cli.store.setPassword('boss', await cli.auth.hashPassword(NEW))
							// another connection's commit is seen within CHANGES_SEEN_WITHIN_MS on SQLite:
							// the command line, a process of its own, takes longer than that to exit
							await Bun.sleep(CHANGES_SEEN_WITHIN_MS + 1)
							for (const token of [first, second, fromCli])
								expect((await call(app, 'GET', '/hello-me', { bearer: token })).status).toBe(
									401
								)
							expect((await call(app, 'GET', '/hello-me', old)).status).toBe(401)
							const renewed = (await call(app, 'GET', '/token', { basic: ['boss', NEW] })).json
								.token as string
							expect((await call(app, 'GET', '/hello-me', { bearer: renewed })).json.user).toBe(
								'boss'
							)
							// a token for a user that does not exist cannot be made
							await expect(cli.auth.createToken('nobody')).rejects.toMatchObject({
								status: 404
							})
						} finally {
							await cli.store.close()
							await data.close()
						}
					}
				)
			}
		)

const postgres = stores[1]!
const shared = available.get(postgres) && redis
describe.skipIf(!shared)(
	needing('two instances sharing PostgreSQL and Redis', 'postgresql or redis-server', shared),
	() => {
		test('a login re-created on one instance meets none of its former self on the other', async () => {
			const db = await postgres.persistent()
			const config = {
				...base,
				FSA_CACHE: 'redis',
				FSA_CACHE_OPTS: { url: redis!.url },
				FSA_CACHE_PREFIX: 'acc:'
			}
			const [one, two] = [
				await createAcme({ config, db, adminPassword: ADMIN }),
				await createAcme({ config, db, adminPassword: ADMIN })
			]
			const cli = await openAcme({ config, db })
			try {
				await cli.store.addUser('boss', await cli.auth.hashPassword(OLD), 'boss@acme.org', true)
				const old = { basic: ['boss', OLD] as [string, string] }
				const token = (await call(one.app, 'GET', '/token', old)).json.token as string
				for (const { app } of [one, two]) {
					expect(await powers(app, old)).toMatchObject({ me: 200, admin: 201 })
					expect(await powers(app, { bearer: token })).toMatchObject({ me: 200, admin: 201 })
				}
				await cli.store.deleteUser('boss')
				await cli.auth.revokeUser('boss')
				const recreated = await call(two.app, 'POST', '/user', {
					basic: ['acme', ADMIN],
					json: { login: 'boss', password: NEW, email: 'boss@acme.org' }
				})
				expect(recreated.status).toBe(201)
				for (const { app } of [one, two]) {
					expect((await call(app, 'GET', '/hello-me', old)).status).toBe(401)
					expect((await call(app, 'GET', '/hello-me', { bearer: token })).status).toBe(401)
					expect(await powers(app, { basic: ['boss', NEW] })).toEqual({
						me: 200,
						admin: 403,
						stuff: 404
					})
				}
			} finally {
				await Promise.all([cli.store.close(), one.store.close(), two.store.close()])
			}
		}, 60_000)
	}
)
