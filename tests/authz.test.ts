import { describe, expect, it } from 'bun:test'
import { compileAuthz } from '../src/auth/authz'

const domains = new Set(['stuff'])
const ownGroups = new Set(['admin', 'staff'])
const isDomain = (name: string) => domains.has(name)
/** A catch-all user-in-group hook makes every name checkable. */
const anyGroup = () => true
const isNamedGroup = (name: string) => ownGroups.has(name)

describe('compileAuthz', () => {
	it('reads a flat [domain, variables, mode] as an object permission', () => {
		const rule = compileAuthz(['stuff', 'sid', 'owner'], isDomain, anyGroup, isNamedGroup)
		expect(rule.permissions).toEqual([{ domain: 'stuff', variables: ['sid'], mode: 'owner' }])
		expect(rule.groups).toEqual([])
	})

	it('reads a flat list of named groups as groups, all required', () => {
		const rule = compileAuthz(['admin', 'staff'], isDomain, anyGroup, isNamedGroup)
		expect(rule.groups).toEqual(['admin', 'staff'])
		expect(rule.permissions).toEqual([])
	})

	it('refuses a misspelled domain even when a catch-all group check exists', () => {
		expect(() => compileAuthz(['stufff', 'sid', 'owner'], isDomain, anyGroup, isNamedGroup)).toThrow(
			'missing object permission checker for domain "stufff"'
		)
	})

	it('splits several variables on ":"', () => {
		const rule = compileAuthz(['stuff', 'a:b'], isDomain, anyGroup, isNamedGroup)
		expect(rule.permissions).toEqual([{ domain: 'stuff', variables: ['a', 'b'], mode: null }])
	})

	it('mixes groups and permissions in a nested list', () => {
		const rule = compileAuthz(['admin', ['stuff', 'sid', 'owner']], isDomain, anyGroup, isNamedGroup)
		expect(rule.groups).toEqual(['admin'])
		expect(rule.permissions).toHaveLength(1)
	})

	it('refuses OPEN mixed with anything, empty rules and bad identifiers', () => {
		expect(() => compileAuthz(['OPEN', 'admin'], isDomain, anyGroup, isNamedGroup)).toThrow(
			'OPEN cannot be mixed'
		)
		expect(() => compileAuthz([], isDomain, anyGroup, isNamedGroup)).toThrow('must not be empty')
		expect(() => compileAuthz(['stuff', 'a-b'], isDomain, anyGroup, isNamedGroup)).toThrow(
			'unexpected identifier'
		)
		expect(() => compileAuthz('nobody-checks-me', isDomain, () => false)).toThrow('cannot check group')
	})

	it('lets CLOSE win over everything', () => {
		expect(compileAuthz(['admin', 'CLOSE'], isDomain, anyGroup, isNamedGroup).close).toBe(true)
	})
})
