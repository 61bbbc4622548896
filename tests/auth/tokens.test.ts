/**
 * Tokens: fsa tokens byte for byte as FlaskSimpleAuth makes them, and JWT with the
 * algorithm pinned and the claims FlaskSimpleAuth requires.
 */
import { afterEach, describe, expect, it, setSystemTime } from 'bun:test'
import { SignJWT, UnsecuredJWT, decodeJwt, decodeProtectedHeader } from 'jose'
import { ErrorResponse, parseSettings, type RawConfig } from '../../src/auth'
import { TokenManager, formatLimit, parseLimit, simplifyRealm } from '../../src/auth/tokens/tokens'

// Vectors computed once with Python's hashlib, independently of this code:
// hashlib.blake2s(b'Test:calvin:20380119031407:secret-secret-secret').digest()[:N].hex()
const SECRET = 'secret-secret-secret'
const LIMIT = '20380119031407' // 2147483647 seconds since the epoch
const CALVIN_SIG = '28effbdf2ba4c6c4fa1aed3559a79625'
const CALVIN_SIG_8 = '28effbdf2ba4c6c4'
const CALVIN_SIG_32 = '28effbdf2ba4c6c4fa1aed3559a79625191dc6b7f20f11f685effa50206f5b5a'
const CALVIN_SHA256 = '67711b42af56a6611e180568ba60e9bd' // hashlib.sha256(...)
const HELENE_SIG = 'fc1ed8fe6efa54694a1c410770e5a185' // 'Test:hélène:...' in UTF-8
const ISSUER_SIG = '9672b75851bb4d81c121fec607045b01' // 'acme/god:calvin:...:0123456789abcdef0123'
const MY_APP_SHA256 = 'd9d73dff59684dc571ea4ee89107f9cc' // 'my-app:hobbes:20300101000000:secret-...'

/** One hour before LIMIT: a token made now with the default delay ends at LIMIT. */
const HOUR_BEFORE_LIMIT = new Date('2038-01-19T02:14:07Z')

function manager(config: RawConfig = {}): TokenManager {
	return new TokenManager(parseSettings({ FSA_AUTH: 'token', FSA_TOKEN_SECRET: SECRET, ...config }).token)
}

/** The 401 ErrorResponse a verification throws, or a failure when it accepts. */
async function refusal(tokens: TokenManager, token: string, realm = 'Test'): Promise<ErrorResponse> {
	try {
		await tokens.verify(token, realm)
	} catch (error) {
		expect(error).toBeInstanceOf(ErrorResponse)
		expect((error as ErrorResponse).status).toBe(401)
		return error as ErrorResponse
	}
	throw new Error(`token accepted: ${token}`)
}

afterEach(() => {
	setSystemTime()
})

describe('simplifyRealm', () => {
	it.each([
		['Test', 'Test'],
		['acme', 'acme'],
		['my app!', 'my-app'],
		['Acme Inc. (EU)', 'Acme-Inc-EU'],
		['--a__b--', 'a-b'],
		['a/b:c', 'a-b-c'],
		['été', 't']
	])('simplifies %j to %j, keeping the case', (realm, simple) => {
		expect(simplifyRealm(realm)).toBe(simple)
	})
})

describe('formatLimit and parseLimit', () => {
	it('formats UTC seconds as YYYYMMDDHHmmSS, truncating fractions', () => {
		expect(formatLimit(2147483647)).toBe(LIMIT)
		expect(formatLimit(0)).toBe('19700101000000')
		expect(formatLimit(1.9)).toBe('19700101000001')
	})

	it('parses a 14-digit UTC limit back to seconds', () => {
		expect(parseLimit(LIMIT)).toBe(2147483647)
		expect(parseLimit('20240229120000')).toBe(Date.UTC(2024, 1, 29, 12) / 1000)
	})

	it.each([
		['month 13', '20381319031407'],
		['month 0', '20380019031407'],
		['day 32', '20380132031407'],
		['February 30', '20380230000000'],
		['February 29 of a common year', '20230229000000'],
		['hour 24', '20380119241407'],
		['minute 60', '20380119036007'],
		['second 60', '20380119031460'],
		['letters', '2038011903140a'],
		['a word', 'demain'],
		['13 digits', '2038011903140'],
		['15 digits', '203801190314070'],
		['a sign', '+2038011903140'],
		['spaces', ' 20380119031407'],
		['nothing', '']
	])('refuses %s', (_, limit) => {
		expect(parseLimit(limit)).toBeUndefined()
	})
})

describe('fsa tokens', () => {
	it('are byte-compatible with FlaskSimpleAuth', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		expect(await manager().create('calvin', 'Test')).toBe(`Test:calvin:${LIMIT}:${CALVIN_SIG}`)
		expect(await manager().create('hélène', 'Test')).toBe(`Test:hélène:${LIMIT}:${HELENE_SIG}`)
	})

	it('accept a token made by FlaskSimpleAuth', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		const identity = await manager().verify(`Test:calvin:${LIMIT}:${CALVIN_SIG}`, 'Test')
		expect(identity).toEqual({ user: 'calvin', expires: 2147483647 })
	})

	it('honour FSA_TOKEN_ALGO and simplify the realm before signing', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		const sha = manager({ FSA_TOKEN_ALGO: 'sha256' })
		expect(await sha.create('calvin', 'Test')).toBe(`Test:calvin:${LIMIT}:${CALVIN_SHA256}`)
		setSystemTime(new Date('2029-12-31T23:00:00Z'))
		expect(await sha.create('hobbes', 'my app!')).toBe(`my-app:hobbes:20300101000000:${MY_APP_SHA256}`)
		expect((await sha.verify(`my-app:hobbes:20300101000000:${MY_APP_SHA256}`, 'my app!')).user).toBe(
			'hobbes'
		)
	})

	it('keep FSA_TOKEN_LENGTH bytes of the signature', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		expect(await manager({ FSA_TOKEN_LENGTH: 8 }).create('calvin', 'Test')).toBe(
			`Test:calvin:${LIMIT}:${CALVIN_SIG_8}`
		)
		const long = manager({ FSA_TOKEN_LENGTH: 32 })
		expect(await long.create('calvin', 'Test')).toBe(`Test:calvin:${LIMIT}:${CALVIN_SIG_32}`)
		// a 16-byte signature is not accepted where 32 bytes are expected
		await refusal(long, `Test:calvin:${LIMIT}:${CALVIN_SIG}`)
	})

	it('write the issuer into the realm as realm/issuer', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		const tokens = manager({ FSA_TOKEN_ISSUER: 'god', FSA_TOKEN_SECRET: '0123456789abcdef0123' })
		const token = await tokens.create('calvin', 'acme')
		expect(token).toBe(`acme/god:calvin:${LIMIT}:${ISSUER_SIG}`)
		expect((await tokens.verify(token, 'acme')).user).toBe('calvin')
		const withoutIssuer = manager({ FSA_TOKEN_SECRET: '0123456789abcdef0123' })
		expect((await refusal(withoutIssuer, token, 'acme')).message).toContain('realm')
	})

	it('round-trip with the configured delay', async () => {
		setSystemTime(new Date('2030-06-15T10:00:00.750Z'))
		const tokens = manager({ FSA_TOKEN_DELAY: 10 })
		const token = await tokens.create('susie', 'Test')
		expect(token.split(':')[2]).toBe('20300615101000')
		expect(await tokens.verify(token, 'Test')).toEqual({
			user: 'susie',
			expires: Date.UTC(2030, 5, 15, 10, 10) / 1000
		})
	})

	it('refuse a user containing ":" when creating', async () => {
		const error = await manager()
			.create('a:b', 'Test')
			.catch((caught: unknown) => caught)
		expect(error).toBeInstanceOf(ErrorResponse)
	})

	it('refuse any single-character change', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		const tokens = manager()
		const token = await tokens.create('calvin', 'Test')
		let tried = 0
		for (let i = 0; i < token.length; i++)
			for (const replacement of ['a', '0', ':', '-', 'A']) {
				if (token[i] === replacement) continue
				await refusal(tokens, token.slice(0, i) + replacement + token.slice(i + 1))
				tried++
			}
		expect(tried).toBeGreaterThan(4 * token.length)
	})

	it('refuse a token signed with another secret', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		const token = await manager({ FSA_TOKEN_SECRET: 'another-secret-entirely' }).create('calvin', 'Test')
		expect((await refusal(manager(), token)).message).toContain('signature')
	})

	it('refuse an expired token', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		const tokens = manager()
		const token = await tokens.create('calvin', 'Test')
		setSystemTime(new Date('2038-01-19T03:14:07Z'))
		expect((await tokens.verify(token, 'Test')).user).toBe('calvin')
		setSystemTime(new Date('2038-01-19T03:14:08Z'))
		expect((await refusal(tokens, token)).message).toBe('expired fsa auth token')
	})

	it('accept an expired token within FSA_TOKEN_GRACE minutes', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		const tokens = manager({ FSA_TOKEN_GRACE: 5 })
		const token = await tokens.create('calvin', 'Test')
		setSystemTime(new Date('2038-01-19T03:19:07Z'))
		expect((await tokens.verify(token, 'Test')).user).toBe('calvin')
		setSystemTime(new Date('2038-01-19T03:19:08Z'))
		expect((await refusal(tokens, token)).message).toContain('expired')
	})

	it('refuse a token of another realm', async () => {
		setSystemTime(HOUR_BEFORE_LIMIT)
		const tokens = manager()
		const token = await tokens.create('calvin', 'elsewhere')
		expect((await refusal(tokens, token, 'Test')).message).toBe('unexpected fsa token realm')
	})

	it.each(['not an FSA token', `Test:calvin:${LIMIT}`, `Test:cal:vin:${LIMIT}:${CALVIN_SIG}`, '', ':::'])(
		'refuse %j: wrong field count or empty fields',
		async (token) => {
			setSystemTime(HOUR_BEFORE_LIMIT)
			await refusal(manager(), token)
		}
	)

	it('refuse a limit that is not a date with 401', async () => {
		const tokens = manager()
		expect((await refusal(tokens, `Test:calvin:20201500000000:${CALVIN_SIG}`)).message).toContain('limit')
		expect((await refusal(tokens, `Test:calvin:demain:${CALVIN_SIG}`)).message).toContain('limit')
	})
})

describe('jwt tokens', () => {
	const JWT_SECRET = 'jwt-secret-jwt-secret-jwt-secret'
	const key = new TextEncoder().encode(JWT_SECRET)
	const jwt = (config: RawConfig = {}) =>
		manager({ FSA_TOKEN_TYPE: 'jwt', FSA_TOKEN_SECRET: JWT_SECRET, ...config })
	const NOW = new Date('2030-01-01T00:00:00Z')
	const nowSeconds = NOW.getTime() / 1000

	/** A token signed with jose directly, by default valid for Test and calvin. */
	function sign(claims: { sub?: string; aud?: string; exp?: number; iss?: string }, alg = 'HS256') {
		const builder = new SignJWT({}).setProtectedHeader({ alg })
		if (claims.sub !== undefined) builder.setSubject(claims.sub)
		if (claims.aud !== undefined) builder.setAudience(claims.aud)
		if (claims.exp !== undefined) builder.setExpirationTime(claims.exp)
		if (claims.iss !== undefined) builder.setIssuer(claims.iss)
		return builder.sign(key)
	}
	const valid = { sub: 'calvin', aud: 'Test', exp: nowSeconds + 600 }

	it('round-trip, with sub, exp and aud claims and the pinned algorithm', async () => {
		setSystemTime(NOW)
		const tokens = jwt()
		const token = await tokens.create('calvin', 'Test')
		expect(decodeProtectedHeader(token).alg).toBe('HS256')
		const claims = decodeJwt(token)
		expect(claims.sub).toBe('calvin')
		expect(claims.aud).toBe('Test')
		expect(claims.exp).toBe(nowSeconds + 3600)
		expect(claims.iss).toBeUndefined()
		expect(await tokens.verify(token, 'Test')).toEqual({ user: 'calvin', expires: nowSeconds + 3600 })
	})

	it('accept a token signed elsewhere with the same secret and algorithm', async () => {
		setSystemTime(NOW)
		expect((await jwt().verify(await sign(valid), 'Test')).user).toBe('calvin')
	})

	it('refuse another algorithm, even with the same secret', async () => {
		setSystemTime(NOW)
		const error = await refusal(jwt(), await sign(valid, 'HS512'))
		expect(error.message).toBe('invalid jwt token')
		expect((await jwt({ FSA_TOKEN_ALGO: 'HS512' }).verify(await sign(valid, 'HS512'), 'Test')).user).toBe(
			'calvin'
		)
	})

	it('refuse an unsigned token (alg none)', async () => {
		setSystemTime(NOW)
		const token = new UnsecuredJWT({})
			.setSubject('calvin')
			.setAudience('Test')
			.setExpirationTime(nowSeconds + 600)
		expect((await refusal(jwt(), token.encode())).message).toBe('invalid jwt token')
	})

	it.each([
		['without exp', { sub: 'calvin', aud: 'Test' }],
		['without sub', { aud: 'Test', exp: nowSeconds + 600 }],
		['with an empty sub', { sub: '', aud: 'Test', exp: nowSeconds + 600 }],
		['without aud', { sub: 'calvin', exp: nowSeconds + 600 }],
		['for another audience', { sub: 'calvin', aud: 'Other', exp: nowSeconds + 600 }]
	])('refuse a token %s as invalid', async (_, claims) => {
		setSystemTime(NOW)
		expect((await refusal(jwt(), await sign(claims))).message).toBe('invalid jwt token')
	})

	it('refuse a token signed with another secret', async () => {
		setSystemTime(NOW)
		const token = await jwt({ FSA_TOKEN_SECRET: 'another-secret-another-secret' }).create(
			'calvin',
			'Test'
		)
		expect((await refusal(jwt(), token)).message).toBe('invalid jwt token')
	})

	it('say "expired" for an expired token and accept it within the grace', async () => {
		setSystemTime(NOW)
		const token = await sign({ ...valid, exp: nowSeconds - 120 })
		expect((await refusal(jwt(), token)).message).toBe('expired jwt auth token')
		expect((await jwt({ FSA_TOKEN_GRACE: 5 }).verify(token, 'Test')).user).toBe('calvin')
		expect((await refusal(jwt({ FSA_TOKEN_GRACE: 1 }), token)).message).toContain('expired')
	})

	it('set and check the issuer when FSA_TOKEN_ISSUER is configured', async () => {
		setSystemTime(NOW)
		const tokens = jwt({ FSA_TOKEN_ISSUER: 'god' })
		const token = await tokens.create('calvin', 'Test')
		expect(decodeJwt(token).iss).toBe('god')
		expect((await tokens.verify(token, 'Test')).user).toBe('calvin')
		expect((await refusal(tokens, await sign(valid))).message).toBe('invalid jwt token')
		expect((await refusal(tokens, await sign({ ...valid, iss: 'devil' }))).message).toBe(
			'invalid jwt token'
		)
	})

	it('refuse garbage as invalid', async () => {
		await refusal(jwt(), 'not.a.jwt')
		await refusal(jwt(), `Test:calvin:${LIMIT}:${CALVIN_SIG}`)
	})
})
