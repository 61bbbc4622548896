import { afterAll, describe, expect, spyOn, test } from 'bun:test'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { DEFAULT_CONFIG, openAcme } from '../../src/acme'
import { SimpleAuth } from '../../src/auth'
import { FAST_PASSWORDS } from '../support/helpers'
import { AcmeData } from '../../src/acme/store'
import { CHANGES_SEEN_WITHIN_MS, SqliteDriver } from '../../src/acme/sqlite'
import { acmeStoreSuite } from './store-suite'
import { sqliteStore } from '../support/stores'

await acmeStoreSuite(sqliteStore())

describe('SQLite lookups', () => {
	test('stuff rows imply their owner: the user is looked up only when there are none', async () => {
		const store = await AcmeData.open(':memory:')
		try {
			await store.addUser('susie', 'hash', 'susie@acme.org', false)
			await store.addUser('calvin', 'hash', 'calvin@acme.org', false)
			await store.addStuff('pencil', 'susie', 3.14)
			const statements: string[] = []
			const { driver } = store
			for (const name of ['oneNow', 'allNow'] as const) {
				const run = driver[name]!
				Object.defineProperty(driver, name, {
					value: <T>(sql: string, params?: Record<string, string>) => {
						statements.push(name)
						return run<T>(sql, params)
					}
				})
			}
			expect(store.getUserStuff('susie')).toEqual([['pencil', 3.14]])
			expect(statements).toEqual(['allNow'])
			statements.length = 0
			expect(store.getUserStuff('calvin')).toEqual([])
			expect(statements).toEqual(['allNow', 'oneNow'])
			expect(() => store.getUserStuff('hobbes')).toThrow('no such user: hobbes')
		} finally {
			await store.close()
		}
	})
})

describe('SQLite kept stuff', () => {
	const dir = mkdtempSync(join(tmpdir(), 'acme-stuff-'))
	afterAll(() => rmSync(dir, { recursive: true, force: true }))

	test("a user's stuff is read once while nothing changes, and each answer is a copy of its own", async () => {
		const file = join(dir, 'stuff.db')
		const service = await AcmeData.open(file)
		const cli = await AcmeData.open(file)
		try {
			await service.addUser('susie', 'hash', 'susie@acme.org', false)
			await service.addStuff('pencil', 'susie', 3.14)
			let lookups = 0
			const { driver } = service
			const allNow = driver.allNow!
			Object.defineProperty(driver, 'allNow', {
				value: <T>(sql: string, params?: Record<string, string>) => {
					lookups++
					return allNow<T>(sql, params)
				}
			})
			const first = service.getUserStuff('susie') as [string, number][]
			expect(first).toEqual([['pencil', 3.14]])
			first[0][1] = 0
			first.push(['stolen', 1])
			expect(service.getUserStuff('susie')).toEqual([['pencil', 3.14]])
			expect(lookups).toBe(1)
			// the service's own write is seen at once
			await service.changeStuff('pencil', 2.5)
			expect(service.getUserStuff('susie')).toEqual([['pencil', 2.5]])
			expect(lookups).toBe(2)
			// another connection's within CHANGES_SEEN_WITHIN_MS
			await cli.addStuff('eraser', 'susie', 1)
			await Bun.sleep(CHANGES_SEEN_WITHIN_MS + 1)
			expect(service.getUserStuff('susie')).toEqual([
				['eraser', 1],
				['pencil', 2.5]
			])
			await cli.deleteUser('susie')
			await Bun.sleep(CHANGES_SEEN_WITHIN_MS + 1)
			expect(() => service.getUserStuff('susie')).toThrow('no such user: susie')
		} finally {
			await Promise.all([service.close(), cli.close()])
		}
	})
})

describe('SQLite group commit', () => {
	const dir = mkdtempSync(join(tmpdir(), 'acme-group-'))
	afterAll(() => rmSync(dir, { recursive: true, force: true }))

	async function counterDriver(name: string) {
		const driver = new SqliteDriver(join(dir, name))
		await driver.migrate(['CREATE TABLE things (name TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT'])
		await driver.run("INSERT INTO things VALUES ('one', 0)")
		return driver
	}

	test('writes asked for together commit together, and one that fails fails alone', async () => {
		const driver = await counterDriver('alone.db')
		try {
			const results = await Promise.allSettled([
				driver.run("INSERT INTO things VALUES ('two', 2)"),
				driver.run("INSERT INTO things VALUES ('one', 1)"),
				driver.run("UPDATE things SET n = n + 1 WHERE name = 'one'"),
				driver.run("UPDATE things SET n = n + 1 WHERE name = 'none'")
			])
			expect(results.map((result) => result.status)).toEqual([
				'fulfilled',
				'rejected',
				'fulfilled',
				'fulfilled'
			])
			expect(
				results.map((result) => (result.status === 'fulfilled' ? result.value : undefined))
			).toEqual([1, undefined, 1, 0])
			const failed = results[1] as PromiseRejectedResult
			expect(driver.constraint(failed.reason)).toBe('unique')
			// each write resolved once committed: another connection sees them
			const other = new Database(join(dir, 'alone.db'), { readonly: true })
			try {
				expect(other.query('SELECT name, n FROM things ORDER BY name').all()).toEqual([
					{ name: 'one', n: 1 },
					{ name: 'two', n: 2 }
				])
			} finally {
				other.close()
			}
		} finally {
			await driver.close()
		}
	})

	test('ten writes asked for together share one commit: the log grows by a frame or two, not ten', async () => {
		const driver = await counterDriver('group.db')
		const wal = join(dir, 'group.db-wal')
		try {
			const grown = async (writes: () => Promise<unknown>) => {
				const before = statSync(wal).size
				await writes()
				return statSync(wal).size - before
			}
			const update = () => driver.run("UPDATE things SET n = n + 1 WHERE name = 'one'")
			const oneByOne = await grown(async () => {
				for (let index = 0; index < 10; index++) await update()
			})
			const together = await grown(() => Promise.all(Array.from({ length: 10 }, update)))
			expect(together).toBeLessThan(oneByOne / 3)
			expect(driver.oneNow!<{ n: number }>("SELECT n FROM things WHERE name = 'one'")).toEqual({
				n: 20
			})
		} finally {
			await driver.close()
		}
	})

	test('a close commits the writes asked for before it', async () => {
		const driver = await counterDriver('close.db')
		const pending = driver.run("UPDATE things SET n = 7 WHERE name = 'one'")
		await driver.close()
		expect(await pending).toBe(1)
		const again = new Database(join(dir, 'close.db'), { readonly: true })
		try {
			expect(again.query("SELECT n FROM things WHERE name = 'one'").get()).toEqual({ n: 7 })
		} finally {
			again.close()
		}
	})
})

describe('SQLite user versions', () => {
	const dir = mkdtempSync(join(tmpdir(), 'acme-versions-'))
	afterAll(() => rmSync(dir, { recursive: true, force: true }))

	test('a change through another connection is seen within CHANGES_SEEN_WITHIN_MS; unchanged data is not looked up again', async () => {
		const file = join(dir, 'versions.db')
		// the service and the command line: two connections on one file
		const service = await AcmeData.open(file)
		const cli = await AcmeData.open(file)
		try {
			await cli.addUser('susie', 'hash-1', 'susie@acme.org', false)
			const first = service.userVersion('susie')
			expect(typeof first).toBe('number')
			let lookups = 0
			const { driver } = service
			const oneNow = driver.oneNow!
			Object.defineProperty(driver, 'oneNow', {
				value: <T>(sql: string, params?: Record<string, string>) => {
					lookups++
					return oneNow<T>(sql, params)
				}
			})
			expect(service.userVersion('susie')).toBe(first)
			expect(lookups).toBe(0)
			await cli.setPassword('susie', 'hash-2')
			await Bun.sleep(CHANGES_SEEN_WITHIN_MS + 1)
			const second = service.userVersion('susie')
			expect(second).not.toBe(first)
			expect(lookups).toBe(1)
			// a write of the service's own connection moves the count too
			await service.setAdmin('susie', true)
			expect(service.userVersion('susie')).not.toBe(second)
			expect(lookups).toBe(2)
			await cli.deleteUser('susie')
			await Bun.sleep(CHANGES_SEEN_WITHIN_MS + 1)
			expect(service.userVersion('susie')).toBeNull()
			expect(service.userVersion('nobody')).toBeNull()
		} finally {
			await Promise.all([service.close(), cli.close()])
		}
	})
})

describe('SQLite change checks', () => {
	const dir = mkdtempSync(join(tmpdir(), 'acme-changes-'))
	afterAll(() => rmSync(dir, { recursive: true, force: true }))

	test("another connection's commit is asked for at most once every CHANGES_SEEN_WITHIN_MS", async () => {
		const file = join(dir, 'changes.db')
		const service = await AcmeData.open(file)
		const cli = await AcmeData.open(file)
		let now = 1_000_000
		const clock = spyOn(performance, 'now').mockImplementation(() => now)
		try {
			await cli.addUser('susie', 'hash-1', 'susie@acme.org', false)
			now += CHANGES_SEEN_WITHIN_MS
			const first = service.userVersion('susie')
			await cli.setPassword('susie', 'hash-2')
			// within the same millisecond, memory answers: the commit is not asked for yet
			now += CHANGES_SEEN_WITHIN_MS / 2
			expect(service.userVersion('susie')).toBe(first)
			// once it has passed, it is
			now += CHANGES_SEEN_WITHIN_MS
			expect(service.userVersion('susie')).not.toBe(first)
			// the service's own writes are seen at once, whatever the clock says
			const second = service.userVersion('susie')
			await service.setAdmin('susie', true)
			expect(service.userVersion('susie')).not.toBe(second)
		} finally {
			clock.mockRestore()
			await Promise.all([service.close(), cli.close()])
		}
	})
})

describe('SQLite user versions, migrated', () => {
	test('a database of per-user counters moves to one counter above every version it holds', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'acme-migrate-'))
		try {
			const file = join(dir, 'old.db')
			// the schema before the counter: versions counted per user
			const old = await AcmeData.open(file)
			await old.addUser('susie', 'hash', 'susie@acme.org', false)
			const { db } = old.driver as unknown as { db: import('bun:sqlite').Database }
			db.run('DROP TABLE user_versions')
			// and before the API keys and the second factor's columns
			db.run('DROP TABLE api_keys')
			for (const column of ['otp_secret', 'otp_step', 'otp_backup'])
				db.run(`ALTER TABLE users DROP COLUMN ${column}`)
			db.run("UPDATE users SET version = 2000000 WHERE login = 'susie'")
			db.run('PRAGMA user_version = 2')
			await old.close()

			const store = await AcmeData.open(file)
			try {
				expect(store.userVersion('susie')).toBe(2000000)
				await store.addUser('calvin', 'hash', 'calvin@acme.org', false)
				await store.setPassword('susie', 'other')
				expect(store.userVersion('calvin')).toBe(2000001)
				expect(store.userVersion('susie')).toBe(2000002)
			} finally {
				await store.close()
			}
		} finally {
			rmSync(dir, { recursive: true, force: true })
		}
	})
})

describe('SQLite restarts', () => {
	const dir = mkdtempSync(join(tmpdir(), 'acme-restart-'))
	afterAll(() => rmSync(dir, { recursive: true, force: true }))

	test('a start on an up-to-date database writes nothing: no transaction, no fsync', async () => {
		const file = join(dir, 'restart.db')
		const first = await openAcme({ db: file })
		const secret = await first.store.getSetting('token_secret')
		await first.store.close()
		// another connection sees each commit of the others as a new data_version
		const observer = new Database(file, { readonly: true })
		const dataVersion = () =>
			observer.query<{ data_version: number }, []>('PRAGMA data_version').get()!.data_version
		try {
			const before = dataVersion()
			const second = await openAcme({ db: file })
			expect(dataVersion()).toBe(before)
			// the restart found what the first start stored
			expect(await second.store.getSetting('token_secret')).toBe(secret)
			expect(secret).toMatch(/^[\w-]{43}$/)
			await second.store.close()
		} finally {
			observer.close()
		}
	})

	test('ACME_PASS is hashed only when the admin must be created, not at every start', async () => {
		const file = join(dir, 'admin.db')
		const hashing = spyOn(SimpleAuth.prototype, 'hashPassword')
		try {
			const config = { ...DEFAULT_CONFIG, ...FAST_PASSWORDS }
			const first = await openAcme({ db: file, config, adminPassword: 'Adm1n-Pass' })
			expect(hashing).toHaveBeenCalledTimes(1)
			expect(await first.store.userIsAdmin('acme')).toBe(true)
			await first.store.close()
			const second = await openAcme({ db: file, config, adminPassword: 'Adm1n-Pass' })
			expect(hashing).toHaveBeenCalledTimes(1)
			await second.store.close()
		} finally {
			hashing.mockRestore()
		}
	})

	test('a database of an older schema is migrated, once, keeping its rows', async () => {
		const file = join(dir, 'old.db')
		const old = new Database(file)
		old.run(`CREATE TABLE users (login TEXT PRIMARY KEY, password TEXT NOT NULL, email TEXT NOT NULL,
			is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1))) STRICT`)
		old.run(`CREATE TABLE stuff (name TEXT PRIMARY KEY, owner TEXT NOT NULL REFERENCES users(login)
			ON DELETE CASCADE, price REAL NOT NULL) STRICT`)
		old.run('CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT')
		old.run("INSERT INTO users (login, password, email) VALUES ('susie', 'hash', 'susie@acme.org')")
		old.run('PRAGMA user_version = 1')
		old.close()
		for (const round of [1, 2]) {
			const store = await AcmeData.open(file)
			expect(await store.listUsers(), `start ${round}`).toEqual([
				{ login: 'susie', email: 'susie@acme.org', admin: false, otp: false }
			])
			expect(store.userVersion('susie'), `start ${round}`).toBe(1)
			await store.close()
		}
	})
})
