/**
 * AcmeData, on any store: the tutorial's test_acmedata, its FIXME "should also test errors",
 * concurrency, and persistence. Run on SQLite and PostgreSQL by the acme-store*.test.ts files.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { AcmeData } from '../../src/acme/store'
import { ErrorResponse } from '../../src/auth'
import type { TestStore } from '../support/stores'
import { needing } from '../support/real-servers'

/** The ErrorResponse status `action` throws or rejects with, failing when it fails otherwise or not at all. */
async function statusOf(action: () => unknown): Promise<number> {
	try {
		await action()
	} catch (error) {
		expect(error).toBeInstanceOf(ErrorResponse)
		return (error as ErrorResponse).status
	}
	throw new Error('expected an ErrorResponse, nothing was thrown')
}

/** Start what `store` needs, then declare its tests: skipped, and titled so, where it cannot run. */
export async function acmeStoreSuite(store: TestStore): Promise<void> {
	const available = await store.setUp()
	afterAll(() => store.tearDown())

	describe.skipIf(!available)(needing(`AcmeData on ${store.kind}`, store.kind, available), () => {
		let db: AcmeData

		beforeEach(async () => {
			db = await AcmeData.open(await store.fresh())
		})
		afterEach(async () => {
			await db.close()
		})

		test('test_acmedata: users and stuff', async () => {
			// users
			expect(await db.userExists('susie')).toBe(false)
			await db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
			await db.addUser('calvin', 'calvin-pass', 'calvin@acme.org', false)
			expect(await db.userExists('susie')).toBe(true)
			expect(await db.userExists('calvin')).toBe(true)
			expect(await db.getUserPass('susie')).toBe('susie-pass')
			expect(await db.getUserPass('calvin')).toBe('calvin-pass')
			expect(await db.userIsAdmin('susie')).toBe(true)
			expect(await db.userIsAdmin('calvin')).toBe(false)
			// stuff
			await db.addStuff('pencil', 'susie', 3.12)
			await db.addStuff('toy', 'calvin', 2.72)
			expect(await db.getUserStuff('calvin')).toEqual([['toy', 2.72]])
			await db.changeStuff('pencil', 3.14)
			expect(await db.getUserStuff('susie')).toEqual([['pencil', 3.14]])
		})

		test('unknown users have no password and are not admins', async () => {
			expect(await db.getUserPass('hobbes')).toBeNull()
			expect(await db.userIsAdmin('hobbes')).toBe(false)
		})

		test('a duplicate user is a 409 and keeps the first one', async () => {
			await db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
			expect(await statusOf(() => db.addUser('susie', 'other-pass', 'other@acme.org', false))).toBe(409)
			expect(await db.getUserPass('susie')).toBe('susie-pass')
			expect(await db.userIsAdmin('susie')).toBe(true)
		})

		test.each([
			['123', 'starts with a digit'],
			['Susie', 'upper case'],
			['s', 'one character'],
			['su-sie', 'dash'],
			['susie\n', 'trailing newline'],
			['\u0455usie', 'Cyrillic dze looking like s'],
			['susi\u0435', 'Cyrillic ie looking like e'],
			['', 'empty']
		])('an invalid login %p (%s) is a 400 and adds nobody', async (login) => {
			expect(await statusOf(() => db.addUser(login, 'pass', 'x@acme.org', false))).toBe(400)
			expect(await db.userExists(login)).toBe(false)
		})

		test('the errors tell which login, stuff or user', async () => {
			await db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
			await db.addStuff('pencil', 'susie', 3.12)
			await expect(db.addUser('123', 'pass', '123@acme.org', false)).rejects.toThrow(
				'invalid login name: 123'
			)
			await expect(db.addUser('susie', 'pass', 's@acme.org', false)).rejects.toThrow(
				'existing user: susie'
			)
			await expect(db.addStuff('pencil', 'susie', 1)).rejects.toThrow('existing stuff: pencil')
			await expect(db.addStuff('toy', 'hobbes', 1)).rejects.toThrow('no such user: hobbes')
			await expect(db.changeStuff('toy', 1)).rejects.toThrow('no such stuff: toy')
		})

		test('duplicate stuff is a 409 and keeps its owner and price', async () => {
			await db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
			await db.addUser('calvin', 'calvin-pass', 'calvin@acme.org', false)
			await db.addStuff('pencil', 'susie', 3.12)
			expect(await statusOf(() => db.addStuff('pencil', 'calvin', 1.0))).toBe(409)
			expect(await db.getStuffOwner('pencil')).toBe('susie')
			expect(await db.getUserStuff('susie')).toEqual([['pencil', 3.12]])
			expect(await db.getUserStuff('calvin')).toEqual([])
		})

		test('stuff for an unknown user is a 404 and adds nothing', async () => {
			expect(await statusOf(() => db.addStuff('pencil', 'hobbes', 3.12))).toBe(404)
			expect(await db.getStuffOwner('pencil')).toBeNull()
		})

		test('the stuff of an unknown user is a 404', async () => {
			expect(await statusOf(() => db.getUserStuff('hobbes'))).toBe(404)
		})

		test('changing unknown stuff is a 404', async () => {
			await db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
			await db.addStuff('pencil', 'susie', 3.12)
			expect(await statusOf(() => db.changeStuff('eraser', 1.0))).toBe(404)
			expect(await db.getUserStuff('susie')).toEqual([['pencil', 3.12]])
		})

		test('getStuffOwner tells the owner, or null for missing stuff', async () => {
			await db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
			await db.addUser('calvin', 'calvin-pass', 'calvin@acme.org', false)
			await db.addStuff('pencil', 'susie', 3.12)
			await db.addStuff('toy', 'calvin', 2.72)
			expect(await db.getStuffOwner('pencil')).toBe('susie')
			expect(await db.getStuffOwner('toy')).toBe('calvin')
			expect(await db.getStuffOwner('eraser')).toBeNull()
		})

		test('a user stuff is listed in name order, without the stuff of others', async () => {
			await db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
			await db.addUser('calvin', 'calvin-pass', 'calvin@acme.org', false)
			await db.addStuff('pencil', 'susie', 3.12)
			await db.addStuff('toy', 'calvin', 2.72)
			await db.addStuff('eraser', 'susie', 0.5)
			expect(await db.getUserStuff('susie')).toEqual([
				['eraser', 0.5],
				['pencil', 3.12]
			])
		})

		test('concurrent creations of the same user or stuff: exactly one succeeds, the others get 409', async () => {
			const users = await Promise.allSettled(
				Array.from({ length: 12 }, (_, index) =>
					db.addUser('susie', `pass-${index}`, 'susie@acme.org', false)
				)
			)
			expect(users.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
			for (const result of users)
				if (result.status === 'rejected') expect((result.reason as ErrorResponse).status).toBe(409)
			const stuff = await Promise.allSettled(
				Array.from({ length: 12 }, () => db.addStuff('pencil', 'susie', 1))
			)
			expect(stuff.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
			for (const result of stuff)
				if (result.status === 'rejected') expect((result.reason as ErrorResponse).status).toBe(409)
		})

		test('user versions change with every update, and vanish with the user', async () => {
			await db.addUser('susie', 'susie-pass', 'susie@acme.org', false)
			const first = await db.userVersion('susie')
			await db.setPassword('susie', 'other-pass')
			const second = await db.userVersion('susie')
			await db.setAdmin('susie', true)
			expect(new Set([first, second, await db.userVersion('susie')]).size).toBe(3)
			expect(await db.listUsers()).toEqual([
				{ login: 'susie', email: 'susie@acme.org', admin: true, otp: false }
			])
			await db.deleteUser('susie')
			expect(await db.userVersion('susie')).toBeNull()
			expect(await statusOf(() => db.deleteUser('susie'))).toBe(404)
			expect(await statusOf(() => db.setPassword('susie', 'x'))).toBe(404)
		})

		test('a login never gets a version it had before, whichever connection re-creates it', async () => {
			// the command line and the service each hold their own connection to the same database
			const path = await store.persistent()
			const [cli, service] = [await AcmeData.open(path), await AcmeData.open(path)]
			try {
				const seen: unknown[] = []
				await cli.addUser('susie', 'one', 'susie@acme.org', true)
				seen.push(await service.userVersion('susie'))
				await service.setPassword('susie', 'two')
				seen.push(await cli.userVersion('susie'))
				for (const [deleter, creator] of [
					[cli, service],
					[service, cli],
					[cli, cli]
				]) {
					await deleter.deleteUser('susie')
					await creator.addUser('susie', 'again', 'susie@acme.org', false)
					seen.push(await deleter.userVersion('susie'), await creator.userVersion('susie'))
				}
				// each re-creation is seen alike by both connections, and is new
				expect(seen.filter((_, index) => index >= 2 && index % 2 === 0)).toEqual(
					seen.filter((_, index) => index >= 2 && index % 2 === 1)
				)
				expect(new Set(seen).size).toBe(5)
				expect(seen.every((version) => typeof version === 'number')).toBe(true)
				// increasing: no later version can meet an earlier one's cached facts
				const numbers = [...new Set(seen)] as number[]
				expect(numbers).toEqual([...numbers].sort((a, b) => a - b))
			} finally {
				await cli.close()
				await service.close()
			}
		})

		test('initSetting keeps the first value', async () => {
			expect(await db.getSetting('token_secret')).toBeNull()
			expect(await db.initSetting('token_secret', 'first')).toBe('first')
			expect(await db.initSetting('token_secret', 'second')).toBe('first')
			expect(await db.getSetting('token_secret')).toBe('first')
		})
	})

	describe.skipIf(!available)(needing(`AcmeData on ${store.kind}, reopened`, store.kind, available), () => {
		test('data survives reopening the database', async () => {
			const path = await store.persistent()
			const first = await AcmeData.open(path)
			await first.addUser('susie', 'susie-pass', 'susie@acme.org', true)
			await first.addStuff('pencil', 'susie', 3.12)
			await first.changeStuff('pencil', 3.14)
			await first.initSetting('token_secret', 'kept')
			await first.close()

			const second = await AcmeData.open(path)
			try {
				expect(await second.getUserPass('susie')).toBe('susie-pass')
				expect(await second.userIsAdmin('susie')).toBe(true)
				expect(await second.getUserStuff('susie')).toEqual([['pencil', 3.14]])
				expect(await second.initSetting('token_secret', 'new')).toBe('kept')
				// constraints still hold after reopening
				expect(await statusOf(() => second.addUser('susie', 'x', 'x@acme.org', false))).toBe(409)
				expect(await statusOf(() => second.addStuff('pencil', 'susie', 1))).toBe(409)
			} finally {
				await second.close()
			}
		})

		test('a fresh database starts empty', async () => {
			const db = await AcmeData.open(await store.another())
			try {
				expect(await db.userExists('susie')).toBe(false)
				expect(await statusOf(() => db.getUserStuff('susie'))).toBe(404)
			} finally {
				await db.close()
			}
		})
	})
}
