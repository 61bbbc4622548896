import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AcmeData } from '../../src/acme/store'
import { acmeStoreSuite } from './store-suite'
import { sqliteStore } from '../support/stores'

acmeStoreSuite(sqliteStore())

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

describe('SQLite user versions', () => {
	const dir = mkdtempSync(join(tmpdir(), 'acme-versions-'))
	afterAll(() => rmSync(dir, { recursive: true, force: true }))

	test('a change through another connection is seen at once; unchanged data is not looked up again', async () => {
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
			const second = service.userVersion('susie')
			expect(second).not.toBe(first)
			expect(lookups).toBe(1)
			// a write of the service's own connection moves the count too
			await service.setAdmin('susie', true)
			expect(service.userVersion('susie')).not.toBe(second)
			expect(lookups).toBe(2)
			await cli.deleteUser('susie')
			expect(service.userVersion('susie')).toBeNull()
			expect(service.userVersion('nobody')).toBeNull()
		} finally {
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
			// and before the second factor's columns
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
