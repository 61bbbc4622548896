/**
 * Acme's second factor over HTTP: enrolment, the two-stage login (password → mfa token → code
 * → token), everything that must be refused, the throttle, and removal by the user or an admin.
 */
import { afterEach, beforeEach, describe, expect, it, setSystemTime } from 'bun:test'
import { DEFAULT_CONFIG, createAcme } from '../../src/acme'
import { checkRoutes, totp } from '../../src/auth'
import { FAST_PASSWORDS, call } from '../support/helpers'

const config = {
	...DEFAULT_CONFIG,
	...FAST_PASSWORDS,
	FSA_TOKEN_SECRET: 'second-factor-test-secret',
	FSA_THROTTLE_LOGIN: 3
}
const PASSWORD = 'Hobbes1'
/** A moment 10 s into a time step, so that the tests' codes are the current ones. */
const T0 = Math.floor(Date.now() / 30_000) * 30_000 + 10_000

type Acme = Awaited<ReturnType<typeof createAcme>>
let acme: Acme

beforeEach(async () => {
	setSystemTime(new Date(T0))
	acme = await createAcme({ config, adminPassword: 'Adm1n!' })
	checkRoutes(acme.app)
	await acme.store.addUser('calvin', await acme.auth.hashPassword(PASSWORD), 'c@acme.org', false)
})
afterEach(async () => {
	setSystemTime()
	await acme.store.close()
})

/** Enrol calvin with his password: the secret (from the URI) and the backup codes. */
async function enrolCalvin(): Promise<{ secret: string; backup: string[] }> {
	const response = await call(acme.app, 'POST', '/user/otp', { basic: ['calvin', PASSWORD] })
	expect(response.status).toBe(201)
	const { uri, backup_codes } = response.json as { uri: string; backup_codes: string[] }
	const secret = new URL(uri).searchParams.get('secret')!
	return { secret, backup: backup_codes }
}

/** The first stage: the password gives an mfa token. */
async function mfaToken(): Promise<string> {
	const response = await call(acme.app, 'GET', '/token', { basic: ['calvin', PASSWORD] })
	expect(response.status).toBe(200)
	expect(Object.keys(response.json)).toEqual(['mfa_token'])
	return response.json.mfa_token
}

const secondStage = (mfa: string, otp: string) =>
	call(acme.app, 'POST', '/token/otp', { bearer: mfa, form: { otp } })

describe('enrolment', () => {
	it('answers an otpauth URI and 10 backup codes, and lists the user as having a second factor', async () => {
		const response = await call(acme.app, 'POST', '/user/otp', { basic: ['calvin', PASSWORD] })
		expect(response.status).toBe(201)
		expect(response.json.uri).toMatch(/^otpauth:\/\/totp\/Acme:calvin\?secret=[A-Z2-7]{32}&issuer=Acme$/)
		expect(response.json.backup_codes).toHaveLength(10)
		expect(new Set(response.json.backup_codes).size).toBe(10)
		for (const code of response.json.backup_codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/)
		expect((await acme.store.listUsers()).find((user) => user.login === 'calvin')?.otp).toBe(true)
	})

	it('once on, the password can neither replace nor remove it; a full token can replace it', async () => {
		const { secret } = await enrolCalvin()
		const replace = await call(acme.app, 'POST', '/user/otp', { basic: ['calvin', PASSWORD] })
		expect(replace.status).toBe(401)
		expect(replace.text).toContain('second factor required')
		const code = totp(secret)!
		const remove = await call(acme.app, 'DELETE', '/user/otp', {
			basic: ['calvin', PASSWORD],
			form: { otp: code }
		})
		expect(remove.status).toBe(401)
		// the mfa token is no full token either
		const mfa = await mfaToken()
		expect((await call(acme.app, 'POST', '/user/otp', { bearer: mfa })).status).toBe(401)
		expect(
			(await call(acme.app, 'DELETE', '/user/otp', { bearer: mfa, form: { otp: code } })).status
		).toBe(401)
		expect(await acme.store.otp.secretOf('calvin')).toBe(secret)
		const token = (await secondStage(mfa, code)).json.token
		const replaced = await call(acme.app, 'POST', '/user/otp', { bearer: token })
		expect(replaced.status).toBe(201)
		expect(await acme.store.otp.secretOf('calvin')).not.toBe(secret)
	})
})

describe('where routes default to tokens (FSA_AUTH_DEFAULT = "token")', () => {
	it('a user without a second factor still enrols with a password, and logs in in two stages', async () => {
		await acme.store.close()
		acme = await createAcme({ config: { ...config, FSA_AUTH: 'password', FSA_AUTH_DEFAULT: 'token' } })
		checkRoutes(acme.app)
		await acme.store.addUser('calvin', await acme.auth.hashPassword(PASSWORD), 'c@acme.org', false)
		const { secret } = await enrolCalvin()
		const second = await secondStage(await mfaToken(), totp(secret)!)
		expect(second.status).toBe(201)
		expect((await call(acme.app, 'GET', '/hello-me', { bearer: second.json.token })).status).toBe(200)
	})
})

describe('the two-stage login', () => {
	it('password → mfa token → code → a token like any other', async () => {
		const { secret } = await enrolCalvin()
		const mfa = await mfaToken()
		const response = await secondStage(mfa, totp(secret)!)
		expect(response.status).toBe(201)
		expect(Object.keys(response.json)).toEqual(['token'])
		const me = await call(acme.app, 'GET', '/hello-me', { bearer: response.json.token })
		expect(me.status).toBe(200)
		expect(me.json).toEqual({ msg: 'hello', user: 'calvin' })
		// a full token gives a full token on GET /token, as before
		const renewed = await call(acme.app, 'GET', '/token', { bearer: response.json.token })
		expect(Object.keys(renewed.json)).toEqual(['token'])
	})

	it('POST /token with param credentials starts it too (201), and the code may come as JSON', async () => {
		const { secret } = await enrolCalvin()
		const first = await call(acme.app, 'POST', '/token', {
			form: { username: 'calvin', password: PASSWORD }
		})
		expect(first.status).toBe(201)
		expect(Object.keys(first.json)).toEqual(['mfa_token'])
		const second = await call(acme.app, 'POST', '/token/otp', {
			bearer: first.json.mfa_token,
			json: { otp: totp(secret) }
		})
		expect(second.status).toBe(201)
		expect(typeof second.json.token).toBe('string')
	})

	it('a password alone authenticates nothing else for that user: 401 saying a second factor is required', async () => {
		await enrolCalvin()
		for (const request of [
			{ basic: ['calvin', PASSWORD] as [string, string] },
			{ query: { username: 'calvin', password: PASSWORD } }
		]) {
			const response = await call(acme.app, 'GET', '/hello-me', request)
			expect(response.status).toBe(401)
			expect(response.text).toContain('second factor required')
		}
		// and repeating it (credentials now remembered) changes nothing
		expect((await call(acme.app, 'GET', '/hello-me', { basic: ['calvin', PASSWORD] })).status).toBe(401)
		expect((await call(acme.app, 'GET', '/stuff', { basic: ['calvin', PASSWORD] })).status).toBe(401)
	})

	it('users without a second factor log in as before', async () => {
		const response = await call(acme.app, 'GET', '/token', { basic: ['calvin', PASSWORD] })
		expect(response.status).toBe(200)
		expect(Object.keys(response.json)).toEqual(['token'])
		expect((await call(acme.app, 'GET', '/hello-me', { basic: ['calvin', PASSWORD] })).status).toBe(200)
	})

	it('refuses a wrong code, and a code used before (within its 30 s)', async () => {
		const { secret } = await enrolCalvin()
		const code = totp(secret)!
		const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0')
		const mfa = await mfaToken()
		expect(await secondStage(mfa, wrong)).toMatchObject({
			status: 401,
			text: 'invalid second factor code'
		})
		expect((await secondStage(mfa, code)).status).toBe(201)
		// the same code again, five seconds later: the replay guard
		setSystemTime(new Date(T0 + 5000))
		expect((await secondStage(await mfaToken(), code)).status).toBe(401)
		// an mfa token is worth nothing without an unused code: it may serve again within its minute
		expect((await secondStage(mfa, totp(secret, undefined, T0 + 30_000)!)).status).toBe(201)
	})

	it('takes each backup code once', async () => {
		const { backup } = await enrolCalvin()
		expect((await secondStage(await mfaToken(), backup[0])).status).toBe(201)
		expect((await secondStage(await mfaToken(), backup[0])).status).toBe(401)
		expect((await secondStage(await mfaToken(), backup[1].toUpperCase())).status).toBe(201)
	})

	it('refuses an expired mfa token, an mfa token on any other route, and a full token in its place', async () => {
		const { secret, backup } = await enrolCalvin()
		const mfa = await mfaToken()
		for (const [method, path] of [
			['GET', '/hello-me'],
			['GET', '/token'],
			['GET', '/stuff'],
			['DELETE', '/token']
		])
			expect((await call(acme.app, method, path, { bearer: mfa })).status).toBe(401)
		const full = await acme.auth.createToken('calvin')
		expect((await secondStage(full, totp(secret)!)).status).toBe(401)
		setSystemTime(new Date(T0 + 61_000))
		expect((await secondStage(mfa, backup[0])).status).toBe(401)
		// nothing was used up by the refusals
		expect(await acme.store.otp.backupCodesLeft('calvin')).toBe(10)
	})

	it('a missing or empty code is a 400 or 401, and changes nothing', async () => {
		await enrolCalvin()
		const mfa = await mfaToken()
		expect((await call(acme.app, 'POST', '/token/otp', { bearer: mfa })).status).toBe(400)
		expect((await secondStage(mfa, '')).status).toBe(401)
		expect(await acme.store.otp.backupCodesLeft('calvin')).toBe(10)
	})

	it('counts failed codes in the throttle: past the limit, 429 with Retry-After, even for a good code', async () => {
		const { secret } = await enrolCalvin()
		const mfa = await mfaToken()
		for (let i = 0; i < 3; i++) expect((await secondStage(mfa, '000000')).status).toBe(401)
		const refused = await secondStage(mfa, totp(secret)!)
		expect(refused.status).toBe(429)
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
	})
})

describe('removal', () => {
	it('DELETE /user/otp takes a full token and a good code, and ends the tokens of the user', async () => {
		const { secret } = await enrolCalvin()
		const token = (await secondStage(await mfaToken(), totp(secret)!)).json.token
		const later = T0 + 30_000
		setSystemTime(new Date(later))
		const wrong = await call(acme.app, 'DELETE', '/user/otp', { bearer: token, form: { otp: '000000' } })
		expect(wrong.status).toBe(401)
		expect((await call(acme.app, 'DELETE', '/user/otp', { bearer: token })).status).toBe(400)
		expect(await acme.store.otp.hasSecondFactor('calvin')).toBe(true)
		const removed = await call(acme.app, 'DELETE', '/user/otp', {
			bearer: token,
			form: { otp: totp(secret, undefined, later)! }
		})
		expect(removed.status).toBe(204)
		expect(await acme.store.otp.hasSecondFactor('calvin')).toBe(false)
		expect((await call(acme.app, 'GET', '/hello-me', { bearer: token })).status).toBe(401)
		expect(
			Object.keys((await call(acme.app, 'GET', '/token', { basic: ['calvin', PASSWORD] })).json)
		).toEqual(['token'])
	})

	it("an admin's DELETE /user/LOGIN/otp removes it (a lost device), logs one line and ends the user's tokens", async () => {
		const { secret } = await enrolCalvin()
		const token = (await secondStage(await mfaToken(), totp(secret)!)).json.token
		const admin = await acme.auth.createToken('acme')
		expect((await call(acme.app, 'DELETE', '/user/calvin/otp', { bearer: token })).status).toBe(403)
		const warn = console.warn
		const lines: string[] = []
		console.warn = (...args: unknown[]) => lines.push(args.join(' '))
		try {
			expect((await call(acme.app, 'DELETE', '/user/calvin/otp', { bearer: admin })).status).toBe(204)
		} finally {
			console.warn = warn
		}
		expect(lines).toEqual(['second factor removed by admin acme: calvin'])
		expect((await call(acme.app, 'GET', '/hello-me', { bearer: token })).status).toBe(401)
		expect((await call(acme.app, 'GET', '/hello-me', { basic: ['calvin', PASSWORD] })).status).toBe(200)
		expect((await call(acme.app, 'DELETE', '/user/calvin/otp', { bearer: admin })).status).toBe(404)
		expect((await call(acme.app, 'DELETE', '/user/hobbes/otp', { bearer: admin })).status).toBe(404)
	})
})
