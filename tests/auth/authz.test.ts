import { describe, expect, it } from 'bun:test'
import { Elysia } from 'elysia'
import { compileAuthz } from '../../src/auth/authz/rules'
import { SimpleAuth, checkRoutes, simpleAuth } from '../../src/auth'

const domains = new Set(['stuff'])
const isDomain = (name: string) => domains.has(name)
/** A catch-all user-in-group hook makes every name checkable. */
const anyGroup = () => true

describe('compileAuthz', () => {
	it('reads a flat [domain, variables, mode] as an object permission', () => {
		const rule = compileAuthz(['stuff', 'sid', 'owner'], isDomain, anyGroup)
		expect(rule.permissions).toEqual([{ domain: 'stuff', variables: ['sid'], mode: 'owner' }])
		expect(rule.groups).toEqual([])
	})

	it('reads a flat list of checkable groups as groups, all required', () => {
		const rule = compileAuthz(['admin', 'staff'], isDomain, anyGroup)
		expect(rule.groups).toEqual(['admin', 'staff'])
		expect(rule.permissions).toEqual([])
	})

	it('refuses a misspelled domain when no group check can read it as groups', () => {
		expect(() => compileAuthz(['stufff', 'sid', 'owner'], isDomain, (name) => name === 'stufff')).toThrow(
			'missing object permission checker for domain "stufff"'
		)
	})

	it('splits several variables on ":"', () => {
		const rule = compileAuthz(['stuff', 'a:b'], isDomain, anyGroup)
		expect(rule.permissions).toEqual([{ domain: 'stuff', variables: ['a', 'b'], mode: null }])
	})

	it('mixes groups and permissions in a nested list', () => {
		const rule = compileAuthz(['admin', ['stuff', 'sid', 'owner']], isDomain, anyGroup)
		expect(rule.groups).toEqual(['admin'])
		expect(rule.permissions).toHaveLength(1)
	})

	it('refuses OPEN mixed with anything, empty rules and bad identifiers', () => {
		expect(() => compileAuthz(['OPEN', 'admin'], isDomain, anyGroup)).toThrow('OPEN cannot be mixed')
		expect(() => compileAuthz([], isDomain, anyGroup)).toThrow('must not be empty')
		expect(() => compileAuthz(['stuff', 'a-b'], isDomain, anyGroup)).toThrow('unexpected identifier')
		expect(() => compileAuthz('nobody-checks-me', isDomain, () => false)).toThrow('cannot check group')
	})

	it('lets CLOSE win over everything', () => {
		expect(compileAuthz(['admin', 'CLOSE'], isDomain, anyGroup).close).toBe(true)
	})
})

describe('start-up check of authz', () => {
	it('refuses a flat permission with a misspelled domain that a catch-all reads as groups', () => {
		const auth = new SimpleAuth({ name: 'test', config: { FSA_AUTH: 'basic' } })
			.userInGroup(() => true)
			.objectPerms('stuff', () => true)
		const app = new Elysia()
			.use(simpleAuth(auth))
			.patch('/stuff/:sid', () => 'ok', { authz: ['stufff', 'sid', 'owner'] })
		expect(() => checkRoutes(app)).toThrow('authz names group "sid", a route parameter')
	})
})
