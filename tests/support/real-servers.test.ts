/**
 * requireServer and requireProgram: a missing real component skips its tests with the reason where
 * CI is not set, and fails them on CI, which installs every one; skipped tests say so.
 */
import { afterEach, describe, expect, mock, spyOn, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Service } from '../../scripts/services'
import { needing, requireProgram, requireServer } from './real-servers'

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

describe('a program (nginx, chromium, wrk)', () => {
	// no package is installed by these tests: the installer answers from the test's table
	const installable = new Map<string, boolean>()
	mock.module('../../scripts/services', () => ({
		ensurePackage: async (name: string, present: () => boolean) =>
			present() || installable.get(name) === true
	}))

	test('that is there is found, by its path', async () => {
		process.env.CI = 'true'
		expect(await requireProgram('wrk', () => '/usr/bin/wrk')).toBe('/usr/bin/wrk')
	})

	test('that is missing is skipped with its reason outside CI', async () => {
		delete process.env.CI
		const warn = spyOn(console, 'warn').mockImplementation(() => {})
		try {
			expect(await requireProgram('nginx', () => null)).toBeUndefined()
			expect(warn).toHaveBeenCalledWith(
				'SKIPPED: nginx is not installed and cannot be installed here (apt-get install nginx)'
			)
		} finally {
			warn.mockRestore()
		}
	})

	test('that is missing fails on CI', async () => {
		process.env.CI = 'true'
		expect(requireProgram('chromium', () => null)).rejects.toThrow(
			'chromium is not installed and cannot be installed here (apt-get install chromium): CI installs it, so its tests must run'
		)
	})
})

test('the title of tests that cannot run says so and why', () => {
	expect(needing('the docs page', 'chromium', '/usr/bin/chromium')).toBe('the docs page')
	expect(needing('the docs page', 'chromium', undefined)).toBe(
		'the docs page (skipped: chromium is not installed)'
	)
})

test('tests that cannot run are reported as skipped, none as passed, their titles in full', () => {
	// the store suites on a store that cannot start, as on a machine without PostgreSQL
	const dir = mkdtempSync(join(tmpdir(), 'acme-skipping-'))
	try {
		const file = join(dir, 'skipped.test.ts')
		const acme = (path: string) => JSON.stringify(join(import.meta.dir, '..', 'acme', path))
		writeFileSync(
			file,
			`import { acmeStoreSuite } from ${acme('store-suite')}
			import { otpStoreSuite } from ${acme('otp-store-suite')}
			const store = { kind: 'postgres', setUp: async () => false, tearDown: async () => {} } as never
			await acmeStoreSuite(store)
			await otpStoreSuite(store)`
		)
		const run = Bun.spawnSync(['bun', 'test', file], { cwd: dir, env: { ...process.env, CI: '' } })
		const output = run.stdout.toString() + run.stderr.toString()
		expect(output).toContain(
			'(skip) AcmeData on postgres (skipped: postgres is not installed) > an invalid login "123" (starts with a digit) is a 400 and adds nobody'
		)
		expect(output).toContain('(skip) second factors on postgres (skipped: postgres is not installed) > ')
		expect(output).toMatch(/\n\s*0 pass\n/)
		expect(output).not.toMatch(/\n\s*0 skip\n/)
		expect(output).not.toContain('(pass)')
		expect(output).not.toMatch(/%[psdijo]/)
		expect(run.exitCode).toBe(0)
	} finally {
		rmSync(dir, { recursive: true, force: true })
	}
}, 30_000)
