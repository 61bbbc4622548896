/**
 * AcmeData on bun:sqlite: the tutorial's test_acmedata, its FIXME "should also test
 * errors", and persistence in a database file.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AcmeData } from '../src/acme/store'
import { ErrorResponse } from '../src/auth'

/** The ErrorResponse status thrown by `action`, failing when it throws nothing or something else. */
function statusOf(action: () => unknown): number {
	try {
		action()
	} catch (error) {
		expect(error).toBeInstanceOf(ErrorResponse)
		return (error as ErrorResponse).status
	}
	throw new Error('expected an ErrorResponse, nothing was thrown')
}

describe('AcmeData', () => {
	let db: AcmeData

	beforeEach(() => {
		db = new AcmeData(':memory:')
	})
	afterEach(() => db.close())

	test('test_acmedata: users and stuff', () => {
		// users
		expect(db.userExists('susie')).toBe(false)
		db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
		db.addUser('calvin', 'calvin-pass', 'calvin@acme.org', false)
		expect(db.userExists('susie')).toBe(true)
		expect(db.userExists('calvin')).toBe(true)
		expect(db.getUserPass('susie')).toBe('susie-pass')
		expect(db.getUserPass('calvin')).toBe('calvin-pass')
		expect(db.userIsAdmin('susie')).toBe(true)
		expect(db.userIsAdmin('calvin')).toBe(false)
		// stuff
		db.addStuff('pencil', 'susie', 3.12)
		db.addStuff('toy', 'calvin', 2.72)
		expect(db.getUserStuff('calvin')).toEqual([['toy', 2.72]])
		db.changeStuff('pencil', 3.14)
		expect(db.getUserStuff('susie')).toEqual([['pencil', 3.14]])
	})

	test('unknown users have no password and are not admins', () => {
		expect(db.getUserPass('hobbes')).toBeNull()
		expect(db.userIsAdmin('hobbes')).toBe(false)
	})

	test('a duplicate user is a 409 and keeps the first one', () => {
		db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
		expect(statusOf(() => db.addUser('susie', 'other-pass', 'other@acme.org', false))).toBe(409)
		expect(db.getUserPass('susie')).toBe('susie-pass')
		expect(db.userIsAdmin('susie')).toBe(true)
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
	])('an invalid login %p (%s) is a 400 and adds nobody', (login) => {
		expect(statusOf(() => db.addUser(login, 'pass', 'x@acme.org', false))).toBe(400)
		expect(db.userExists(login)).toBe(false)
	})

	test('the errors tell which login, stuff or user', () => {
		db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
		db.addStuff('pencil', 'susie', 3.12)
		expect(() => db.addUser('123', 'pass', '123@acme.org', false)).toThrow('invalid login name: 123')
		expect(() => db.addUser('susie', 'pass', 's@acme.org', false)).toThrow('existing user: susie')
		expect(() => db.addStuff('pencil', 'susie', 1)).toThrow('existing stuff: pencil')
		expect(() => db.addStuff('toy', 'hobbes', 1)).toThrow('no such user: hobbes')
		expect(() => db.changeStuff('toy', 1)).toThrow('no such stuff: toy')
	})

	test('duplicate stuff is a 409 and keeps its owner and price', () => {
		db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
		db.addUser('calvin', 'calvin-pass', 'calvin@acme.org', false)
		db.addStuff('pencil', 'susie', 3.12)
		expect(statusOf(() => db.addStuff('pencil', 'calvin', 1.0))).toBe(409)
		expect(db.getStuffOwner('pencil')).toBe('susie')
		expect(db.getUserStuff('susie')).toEqual([['pencil', 3.12]])
		expect(db.getUserStuff('calvin')).toEqual([])
	})

	test('stuff for an unknown user is a 404 and adds nothing', () => {
		expect(statusOf(() => db.addStuff('pencil', 'hobbes', 3.12))).toBe(404)
		expect(db.getStuffOwner('pencil')).toBeNull()
	})

	test('the stuff of an unknown user is a 404', () => {
		expect(statusOf(() => db.getUserStuff('hobbes'))).toBe(404)
	})

	test('changing unknown stuff is a 404', () => {
		db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
		db.addStuff('pencil', 'susie', 3.12)
		expect(statusOf(() => db.changeStuff('eraser', 1.0))).toBe(404)
		expect(db.getUserStuff('susie')).toEqual([['pencil', 3.12]])
	})

	test('getStuffOwner tells the owner, or null for missing stuff', () => {
		db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
		db.addUser('calvin', 'calvin-pass', 'calvin@acme.org', false)
		db.addStuff('pencil', 'susie', 3.12)
		db.addStuff('toy', 'calvin', 2.72)
		expect(db.getStuffOwner('pencil')).toBe('susie')
		expect(db.getStuffOwner('toy')).toBe('calvin')
		expect(db.getStuffOwner('eraser')).toBeNull()
	})

	test('a user stuff is listed in name order, without the stuff of others', () => {
		db.addUser('susie', 'susie-pass', 'susie@acme.org', true)
		db.addUser('calvin', 'calvin-pass', 'calvin@acme.org', false)
		db.addStuff('pencil', 'susie', 3.12)
		db.addStuff('toy', 'calvin', 2.72)
		db.addStuff('eraser', 'susie', 0.5)
		expect(db.getUserStuff('susie')).toEqual([
			['eraser', 0.5],
			['pencil', 3.12]
		])
	})

	test('initSetting keeps the first value', () => {
		expect(db.getSetting('token_secret')).toBeNull()
		expect(db.initSetting('token_secret', 'first')).toBe('first')
		expect(db.initSetting('token_secret', 'second')).toBe('first')
		expect(db.getSetting('token_secret')).toBe('first')
	})
})

describe('AcmeData in a file', () => {
	let dir: string

	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'acme-store-'))
	})
	afterEach(() => rmSync(dir, { recursive: true, force: true }))

	test('data survives reopening the database', () => {
		const path = join(dir, 'acme.db')
		const first = new AcmeData(path)
		first.addUser('susie', 'susie-pass', 'susie@acme.org', true)
		first.addStuff('pencil', 'susie', 3.12)
		first.changeStuff('pencil', 3.14)
		first.initSetting('token_secret', 'kept')
		first.close()

		const second = new AcmeData(path)
		try {
			expect(second.getUserPass('susie')).toBe('susie-pass')
			expect(second.userIsAdmin('susie')).toBe(true)
			expect(second.getUserStuff('susie')).toEqual([['pencil', 3.14]])
			expect(second.initSetting('token_secret', 'new')).toBe('kept')
			// constraints still hold after reopening
			expect(statusOf(() => second.addUser('susie', 'x', 'x@acme.org', false))).toBe(409)
			expect(statusOf(() => second.addStuff('pencil', 'susie', 1))).toBe(409)
		} finally {
			second.close()
		}
	})

	test('a fresh file starts empty', () => {
		const db = new AcmeData(join(dir, 'fresh.db'))
		try {
			expect(db.userExists('susie')).toBe(false)
			expect(statusOf(() => db.getUserStuff('susie'))).toBe(404)
		} finally {
			db.close()
		}
	})
})
