/**
 * `acme user otp LOGIN [--off]`, run as a separate process on the database of a running
 * service: the URI on the first line, a QR code, 10 backup codes; the service sees it at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAcme } from '../../src/acme'
import { totp } from '../../src/auth'
import { FAST_PASSWORDS, call } from '../support/helpers'

const MAIN = join(import.meta.dir, '..', '..', 'src', 'main.ts')
let dir: string
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'acme-cli-otp-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Run `acme ARGS` on the database, with the built-in configuration. */
function acme(db: string, args: string[], input = '') {
	const result = Bun.spawnSync([process.execPath, MAIN, ...args, '--db', db], {
		stdin: new TextEncoder().encode(input),
		env: { ...process.env, ACME_CONFIG: '', ACME_DB: '' }
	})
	return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString() }
}

describe('acme user otp', () => {
	it('turns the second factor on and off for a running service, and refuses bad usage in one line', async () => {
		const db = join(dir, 'otp.db')
		expect(acme(db, ['user', 'add', 'calvin', '--email', 'c@acme.org'], 'Hobbes1\n').code).toBe(0)
		const { app, store } = await createAcme({
			db,
			config: { ...FAST_PASSWORDS, FSA_AUTH: ['token', 'basic'] }
		})
		try {
			const on = acme(db, ['user', 'otp', 'calvin'])
			expect(on.code).toBe(0)
			const lines = on.out.trimEnd().split('\n')
			expect(lines[0]).toMatch(/^otpauth:\/\/totp\/Acme:calvin\?secret=[A-Z2-7]{32}&issuer=Acme$/)
			const codes = lines.slice(-10)
			for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/)
			// the QR code in between: block characters
			expect(lines.slice(1, -10).join('\n')).toMatch(/[█▀▄]/)
			expect(acme(db, ['user', 'list']).out).toBe('calvin\tc@acme.org\t-\totp\n')

			const first = await call(app, 'GET', '/token', { basic: ['calvin', 'Hobbes1'] })
			expect(Object.keys(first.json)).toEqual(['mfa_token'])
			const secret = new URL(lines[0]).searchParams.get('secret')!
			const second = await call(app, 'POST', '/token/otp', {
				bearer: first.json.mfa_token,
				form: { otp: totp(secret)! }
			})
			expect(second.status).toBe(201)
			const token = second.json.token
			const again = await call(app, 'POST', '/token/otp', {
				bearer: first.json.mfa_token,
				form: { otp: codes[0] }
			})
			expect(again.status).toBe(201)

			expect(acme(db, ['user', 'otp', 'calvin', '--off'])).toMatchObject({
				code: 0,
				out: 'second factor off: calvin\n'
			})
			expect((await call(app, 'GET', '/hello-me', { bearer: token })).status).toBe(401)
			expect(
				Object.keys((await call(app, 'GET', '/token', { basic: ['calvin', 'Hobbes1'] })).json)
			).toEqual(['token'])
			expect(acme(db, ['user', 'list']).out).toBe('calvin\tc@acme.org\t-\t-\n')
		} finally {
			await store.close()
		}
		expect(acme(db, ['user', 'otp', 'calvin', '--off'])).toMatchObject({
			code: 1,
			err: 'acme: no second factor: calvin\n'
		})
		expect(acme(db, ['user', 'otp', 'hobbes'])).toMatchObject({
			code: 1,
			err: 'acme: no such user: hobbes\n'
		})
		const usage = acme(db, ['user', 'list', '--off'])
		expect(usage.code).toBe(2)
		expect(usage.err.split('\n')[0]).toBe('acme: --off is an option of user otp only')
		expect(acme(db, ['user', 'otp']).err.split('\n')[0]).toBe('acme: user otp needs LOGIN')
	})
})
