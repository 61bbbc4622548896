/**
 * requireServer: a missing real server skips its tests with the reason where CI is not set, and
 * fails them on CI, which installs every server.
 */
import { afterEach, expect, spyOn, test } from 'bun:test'
import type { Service } from '../../scripts/services'
import { requireServer } from './real-servers'

const ci = process.env.CI
afterEach(() => {
	if (ci === undefined) delete process.env.CI
	else process.env.CI = ci
})

test('a missing server is skipped with its reason outside CI', () => {
	delete process.env.CI
	const warn = spyOn(console, 'warn').mockImplementation(() => {})
	try {
		expect(requireServer('redis-server', undefined)).toBeUndefined()
		expect(warn).toHaveBeenCalledWith(
			'SKIPPED: redis-server is not installed and cannot be installed here (apt-get install redis-server)'
		)
	} finally {
		warn.mockRestore()
	}
})

test('a missing server fails on CI', () => {
	process.env.CI = 'true'
	expect(() => requireServer('postgresql', undefined)).toThrow(
		'postgresql is not installed and cannot be installed here (apt-get install postgresql): CI installs it, so its tests must run'
	)
})

test('a server that is there is given back', () => {
	process.env.CI = 'true'
	const service = { url: 'redis://127.0.0.1:1' } as Service
	expect(requireServer('redis-server', service)).toBe(service)
})
