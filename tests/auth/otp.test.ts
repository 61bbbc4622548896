/**
 * FlaskSimpleAuth 35's `fsa:otp` password scheme: TOTP (RFC 6238) checked against the RFC's
 * test vectors, one step of drift each way, pyotp's options, and the scheme in a real app.
 */
import { afterEach, describe, expect, it, setSystemTime } from 'bun:test'
import { SimpleAuth, parseSettings } from '../../src/auth'
import {
	decodeBase32,
	encodeBase32,
	matchOtp,
	otpauthUri,
	randomOtpSecret,
	totp,
	type OtpDigest
} from '../../src/auth/authn/otp'
import { calvinAuth, fastHash, whoApp } from '../support/helpers'

/** RFC 6238 appendix B: the seeds of each digest, and the 8-digit codes at each time. */
const SEEDS: Record<OtpDigest, string> = {
	sha1: '12345678901234567890',
	sha256: '12345678901234567890123456789012',
	sha512: '1234567890123456789012345678901234567890123456789012345678901234'
}
const VECTORS: [number, Record<OtpDigest, string>][] = [
	[59, { sha1: '94287082', sha256: '46119246', sha512: '90693936' }],
	[1111111109, { sha1: '07081804', sha256: '68084774', sha512: '25091201' }],
	[1111111111, { sha1: '14050471', sha256: '67062674', sha512: '99943326' }],
	[1234567890, { sha1: '89005924', sha256: '91819424', sha512: '93441116' }],
	[2000000000, { sha1: '69279037', sha256: '90698825', sha512: '38618901' }],
	[20000000000, { sha1: '65353130', sha256: '77737706', sha512: '47863826' }]
]
const secretOf = (digest: OtpDigest) => encodeBase32(Buffer.from(SEEDS[digest]))
const options = (digest: OtpDigest) => ({ digits: 8, interval: 30, digest })

describe('TOTP', () => {
	it('gives the codes of RFC 6238 for sha1, sha256 and sha512', () => {
		for (const [seconds, codes] of VECTORS)
			for (const digest of ['sha1', 'sha256', 'sha512'] as const)
				expect(
					`${seconds} ${digest} ${totp(secretOf(digest), options(digest), seconds * 1000)}`
				).toBe(`${seconds} ${digest} ${codes[digest]}`)
	})

	it('encodes and decodes base32 both ways, in any case, with padding and spaces ignored', () => {
		expect(secretOf('sha1')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')
		expect(Buffer.from(decodeBase32('gezd gnbv gy3t qojq gezd gnbv gy3t qojq====')!).toString()).toBe(
			SEEDS.sha1
		)
		const secret = randomOtpSecret()
		expect(secret).toMatch(/^[A-Z2-7]{32}$/)
		expect(encodeBase32(decodeBase32(secret)!)).toBe(secret)
		for (const bad of ['', '====', 'ABC1', 'ABC8', 'AB-C', 'é']) expect(decodeBase32(bad)).toBeUndefined()
	})

	it('accepts the code of the current step or one step before or after, and no other', () => {
		const secret = secretOf('sha1')
		const now = 1111111111 * 1000
		const step = Math.floor(now / 30_000)
		const at = (offset: number) => totp(secret, options('sha1'), now + offset * 30_000)!
		for (const offset of [-1, 0, 1])
			expect(matchOtp(secret, at(offset), options('sha1'), now)).toBe(step + offset)
		for (const offset of [-3, -2, 2, 3])
			expect(matchOtp(secret, at(offset), options('sha1'), now)).toBeUndefined()
	})

	it('refuses a code of the wrong length, a wrong code, and any code for a secret that is not base32', () => {
		const secret = secretOf('sha1')
		const now = 59_000
		expect(matchOtp(secret, '94287082', options('sha1'), now)).toBeDefined()
		for (const code of ['', '9428708', '942870820', '94287083', ' 4287082', '９4287082'])
			expect(matchOtp(secret, code, options('sha1'), now)).toBeUndefined()
		expect(matchOtp('not base32!', '94287082', options('sha1'), now)).toBeUndefined()
	})

	it('writes otpauth:// URIs with digits, period and algorithm only where they are not the defaults', () => {
		expect(otpauthUri('Acme', 'calvin', 'ABCD')).toBe(
			'otpauth://totp/Acme:calvin?secret=ABCD&issuer=Acme'
		)
		expect(otpauthUri('Acme', 'a b', 'ABCD', { digits: 8, interval: 60, digest: 'sha256' })).toBe(
			'otpauth://totp/Acme:a%20b?secret=ABCD&issuer=Acme&digits=8&period=60&algorithm=SHA256'
		)
	})
})

describe('FSA_PASSWORD_SCHEME = "fsa:otp"', () => {
	afterEach(() => setSystemTime())

	function otpApp(config: Record<string, unknown> = {}) {
		const secret = secretOf('sha1')
		const auth = new SimpleAuth({
			name: 'Test',
			config: { FSA_AUTH: ['basic'], FSA_PASSWORD_SCHEME: 'fsa:otp', ...config }
		}).getUserPass((login) => (login === 'calvin' ? secret : null))
		return { auth, app: whoApp(auth), secret }
	}
	const basic = (user: string, code: string) => ({
		authorization: `Basic ${Buffer.from(`${user}:${code}`).toString('base64')}`
	})

	it('stores the base32 secret itself as the hash, and refuses a secret that is not base32 with a 400', async () => {
		const { auth } = otpApp()
		expect(await auth.hashPassword('GEZDGNBVGY3TQOJQ')).toBe('GEZDGNBVGY3TQOJQ')
		await expect(auth.hashPassword('not-base32')).rejects.toMatchObject({ status: 400 })
	})

	it('authenticates with the current code, or one step off, and refuses others with a 401', async () => {
		const { app, secret } = otpApp()
		const now = 1234567890 * 1000
		setSystemTime(new Date(now))
		const code = (offset: number) => totp(secret, undefined, now + offset * 30_000)!
		const who = (password: string, user = 'calvin') =>
			app.handle(new Request('http://localhost/who', { headers: basic(user, password) }))
		for (const offset of [-1, 0, 1]) {
			const response = await who(code(offset))
			expect(response.status).toBe(200)
			expect(await response.json()).toEqual({ user: 'calvin' })
		}
		for (const password of [code(-2), code(2), '000000', 'GEZDGNBVGY3TQOJQ', ''])
			expect((await who(password)).status).toBe(401)
		expect((await who(code(0), 'hobbes')).status).toBe(401)
	})

	it('never remembers a code: one accepted now is refused two minutes later', async () => {
		const { app, secret } = otpApp()
		const now = 2000000000 * 1000
		setSystemTime(new Date(now))
		const code = totp(secret, undefined, now)!
		const who = () => app.handle(new Request('http://localhost/who', { headers: basic('calvin', code) }))
		expect((await who()).status).toBe(200)
		setSystemTime(new Date(now + 120_000))
		expect((await who()).status).toBe(401)
	})

	it('takes digits, interval and digest from FSA_PASSWORD_OPTS, as pyotp does', async () => {
		const { app } = otpApp({ FSA_PASSWORD_OPTS: { digits: 8, interval: 60, digest: 'sha1' } })
		setSystemTime(new Date(1111111111 * 1000))
		// with a 60 s interval, 1111111111 is step 18518518, the RFC's 30 s code at 555555555
		const code = totp(secretOf('sha1'), options('sha1'), 555555555 * 1000)!
		const response = await app.handle(
			new Request('http://localhost/who', { headers: basic('calvin', code) })
		)
		expect(response.status).toBe(200)
		expect(parseSettings({ FSA_AUTH: 'basic', FSA_PASSWORD_SCHEME: 'fsa:otp' }).password.otp).toEqual({
			digits: 6,
			interval: 30,
			digest: 'sha1'
		})
	})

	it('refuses bad options at start, naming the directive', () => {
		const bad: [Record<string, unknown>, string][] = [
			[
				{ FSA_PASSWORD_OPTS: { digest: 'md5' } },
				'FSA_PASSWORD_OPTS digest must be one of sha1, sha256, sha512'
			],
			[{ FSA_PASSWORD_OPTS: { digits: 5 } }, 'FSA_PASSWORD_OPTS digits must be within 6..10'],
			[
				{ FSA_PASSWORD_OPTS: { counter: 1 } },
				'FSA_PASSWORD_OPTS has an unexpected option "counter" for fsa:otp'
			],
			[
				{ FSA_PASSWORD_OPTS: { digits: 'six' } },
				'FSA_PASSWORD_OPTS option "digits" must be an integer'
			],
			[
				{ FSA_PASSWORD_CACHE: true },
				'FSA_PASSWORD_CACHE must be false with FSA_PASSWORD_SCHEME fsa:otp'
			]
		]
		for (const [config, message] of bad)
			expect(() =>
				parseSettings({ FSA_AUTH: 'basic', FSA_PASSWORD_SCHEME: 'fsa:otp', ...config })
			).toThrow(message)
		expect(() =>
			parseSettings({
				FSA_AUTH: 'basic',
				FSA_PASSWORD_OPTS: { rounds: 'ten' },
				FSA_PASSWORD_SCHEME: 'bcrypt'
			})
		).toThrow('FSA_PASSWORD_OPTS option "rounds" must be an integer')
	})
})

describe('auth.secondFactor', () => {
	const password = 'hobbes-Pass1'
	const basic = { authorization: `Basic ${Buffer.from(`calvin:${password}`).toString('base64')}` }

	async function gatedApp(needed: () => boolean | Promise<boolean>) {
		const auth = calvinAuth(await fastHash(password), {
			FSA_AUTH: ['token', 'basic', 'param'],
			FSA_PARAM_USER: 'user',
			FSA_PARAM_PASS: 'pass'
		}).secondFactor((login, { request }) =>
			new URL(request.url).pathname === '/login' ? false : needed()
		)
		const app = whoApp(auth).get('/login', ({ user }) => auth.createToken(user), { authz: 'AUTH' })
		return { auth, app }
	}
	const get = (
		app: { handle(request: Request): Promise<Response> },
		path: string,
		headers: Record<string, string> = basic
	) => app.handle(new Request(`http://localhost${path}`, { headers }))

	it('refuses a password alone with a 401 where the hook says a second factor is needed', async () => {
		const { app } = await gatedApp(() => true)
		const response = await get(app, '/who')
		expect(response.status).toBe(401)
		expect(await response.text()).toContain('second factor required')
		const param = await get(app, `/who?user=calvin&pass=${password}`, {})
		expect(param.status).toBe(401)
		expect(await param.text()).toContain('second factor required')
		// where the hook lets the password through (the first stage of a login), it works
		expect((await get(app, '/login')).status).toBe(200)
	})

	it('is asked on every request: credentials verified and remembered before do not skip it', async () => {
		let needed = false
		const { app } = await gatedApp(() => needed)
		for (let i = 0; i < 3; i++) expect((await get(app, '/who')).status).toBe(200)
		needed = true
		for (let i = 0; i < 3; i++) expect((await get(app, '/who')).status).toBe(401)
	})

	it('waits for an asynchronous hook, and leaves tokens alone', async () => {
		const { app, auth } = await gatedApp(async () => true)
		expect((await get(app, '/who')).status).toBe(401)
		const token = await auth.createToken('calvin')
		const response = await get(app, '/who', { authorization: `Bearer ${token}` })
		expect(response.status).toBe(200)
		expect(await response.json()).toEqual({ user: 'calvin' })
	})

	it('answers a failing hook with an internal error, never with success', async () => {
		const { app } = await gatedApp(() => {
			throw new Error('database gone')
		})
		const errors = console.error
		console.error = () => undefined
		try {
			const response = await get(app, '/who')
			expect(response.status).toBe(500)
			expect(await response.text()).not.toContain('database gone')
		} finally {
			console.error = errors
		}
	})
})
