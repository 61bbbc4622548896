/**
 * The request log: one record per request with method, path, status, user, scheme, delay
 * and, for failures, the reason and who tried; never a password or a whole token.
 */
import { describe, expect, it } from 'bun:test'
import { createAcme } from '../../src/acme'
import { checkRoutes, type RequestRecord } from '../../src/auth'
import { formatRecord } from '../../src/logging'
import { FAST_PASSWORDS, call } from '../support/helpers'

const config = {
	...FAST_PASSWORDS,
	FSA_AUTH: ['token', 'basic', 'param', 'none'],
	FSA_PARAM_USER: 'username',
	FSA_PARAM_PASS: 'password'
}
const PASSWORD = 'Sup3r-Secret-Pass'

async function loggedAcme() {
	const acme = await createAcme({ config, adminPassword: PASSWORD })
	const records: RequestRecord[] = []
	acme.auth.requestLog((record) => records.push(record))
	checkRoutes(acme.app)
	return { ...acme, records }
}

/** Records are written after the response is sent: wait for `count` of them (1 s at most). */
async function flushed(records: RequestRecord[], count: number): Promise<void> {
	for (let waited = 0; records.length < count && waited < 1000; waited += 5) await Bun.sleep(5)
}

describe('the request log', () => {
	it('records every request, successful or not, with its request id', async () => {
		const { app, store, records } = await loggedAcme()
		try {
			const ok = await call(app, 'GET', '/hello-me', {
				basic: ['acme', PASSWORD],
				headers: { 'x-request-id': 'req-42' }
			})
			expect(ok.headers.get('x-request-id')).toBe('req-42')
			await call(app, 'GET', '/hello')
			await call(app, 'GET', '/nowhere')
			await call(app, 'GET', '/primes', { query: { li: 'x' } })
			await flushed(records, 4)
			expect(
				records.map((record) => [
					record.method,
					record.path,
					record.status,
					record.user,
					record.scheme
				])
			).toEqual([
				['GET', '/hello-me', 200, 'acme', 'basic'],
				['GET', '/hello', 200, null, null],
				['GET', '/nowhere', 404, null, null],
				['GET', '/primes', 400, null, null]
			])
			expect(records[0].reqid).toBe('req-42')
			expect(records[1].reqid).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/)
			expect(records[2].reqid).not.toBe(records[1].reqid)
			for (const record of records) {
				expect(record.ms).toBeGreaterThanOrEqual(0)
				expect(Date.parse(record.ts)).not.toBeNaN()
			}
			expect(records[3].error).toStartWith('parameter "li"')
		} finally {
			await store.close()
		}
	})

	it('says why an authentication failed and who tried, without the password or the token', async () => {
		const { app, store, auth, records } = await loggedAcme()
		try {
			await call(app, 'GET', '/hello-me', { basic: ['acme', `${PASSWORD}-wrong`] })
			await call(app, 'GET', '/hello-me', { query: { username: 'nobody', password: PASSWORD } })
			const token = await auth.createToken('acme', { delayMinutes: -1 })
			await call(app, 'GET', '/hello-me', { bearer: token })
			await flushed(records, 3)
			expect(records.map((record) => [record.status, record.error, record.attempt])).toEqual([
				[401, 'invalid user or password', 'login "acme"'],
				[401, 'invalid user or password', 'login "nobody"'],
				[401, 'expired fsa auth token', `token …${token.slice(-4)}`]
			])
			const lines = records.flatMap((record) => [
				formatRecord(record, true),
				formatRecord(record, false)
			])
			for (const line of lines) {
				expect(line).not.toContain(PASSWORD)
				expect(line).not.toContain(token)
			}
		} finally {
			await store.close()
		}
	})

	it('writes JSON lines in prod and readable lines otherwise', () => {
		const record: RequestRecord = {
			ts: '2030-01-01T00:00:00.000Z',
			reqid: 'r1',
			method: 'GET',
			path: '/hello-me',
			status: 401,
			ms: 1.5,
			user: null,
			scheme: null,
			error: 'missing authentication'
		}
		expect(JSON.parse(formatRecord(record, true))).toEqual({ ...record, level: 'info' })
		expect(Object.keys(JSON.parse(formatRecord(record, true))).slice(0, 2)).toEqual(['ts', 'level'])
		expect(JSON.parse(formatRecord({ ...record, status: 500 }, true)).level).toBe('error')
		expect(formatRecord(record, false)).toBe(
			'2030-01-01T00:00:00.000Z r1 GET /hello-me 401 - 1.500ms "missing authentication"'
		)
	})
})
