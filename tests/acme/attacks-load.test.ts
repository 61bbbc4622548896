/**
 * Promise: no request monopolises the server. /primes answers every integer it accepts with a
 * deterministic Miller-Rabin test (the first 13 primes as bases), never by trial division up
 * to the square root, which took two seconds for one number near 2^53.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { createAcme } from '../../src/acme'
import { isPrime } from '../../src/acme/primes'
import { call } from '../support/helpers'

/** Trial division: slow, obviously right. */
function naive(n: number): boolean {
	if (!Number.isInteger(n) || n < 2) return false
	if (n % 2 === 0) return n === 2
	for (let divisor = 3; divisor * divisor <= n; divisor += 2) if (n % divisor === 0) return false
	return true
}

const LARGEST_BELOW_2_53 = 9007199254740881 // 2^53 - 111

describe('isPrime', () => {
	test('agrees with trial division below 200000 and around 2^26, where arithmetic turns to BigInt', () => {
		for (let n = -10; n < 200_000; n++)
			if (isPrime(n) !== naive(n)) expect([n, isPrime(n)]).toEqual([n, naive(n)])
		for (let n = 2 ** 26 - 3000; n < 2 ** 26 + 3000; n++)
			if (isPrime(n) !== naive(n)) expect([n, isPrime(n)]).toEqual([n, naive(n)])
		expect(isPrime(2.5)).toBe(false)
		expect(isPrime(Number.NaN)).toBe(false)
		expect(isPrime(Infinity)).toBe(false)
	})

	test('strong pseudoprimes to small bases and Carmichael numbers are composite', () => {
		const pseudoprimes = [
			561, 1105, 1729, 41041, 825265, 2047, 1373653, 25326001, 3215031751, 2152302898747, 3474749660383,
			341550071728321
		]
		for (const n of pseudoprimes) expect([n, isPrime(n)]).toEqual([n, false])
	})

	test('agrees with trial division just below 2^53, and on products of two primes near 2^26.5', () => {
		// 2^53 - 111 is the largest prime below 2^53
		for (let n = LARGEST_BELOW_2_53; n < 2 ** 53; n++)
			if (isPrime(n) !== naive(n)) expect([n, isPrime(n)]).toEqual([n, naive(n)])
		expect(isPrime(LARGEST_BELOW_2_53)).toBe(true)
		const near = (from: number) => {
			let n = from
			while (!naive(n)) n--
			return n
		}
		const p = near(94_906_265)
		const q = near(p - 1)
		expect(p * q).toBeLessThan(2 ** 53)
		expect(isPrime(p * q)).toBe(false)
		expect(isPrime(p)).toBe(true)
		// doubles from 2^53 on are even
		expect(isPrime(2 ** 53 + 2)).toBe(false)
		expect(isPrime(1e300)).toBe(false)
	}, 60_000) // trial division takes seconds here
})

describe('GET /primes', () => {
	const acme = createAcme()
	afterAll(async () => (await acme).store.close())

	test('fifty numbers near 2^53 answer well within a second, where each took two', async () => {
		const { app } = await acme
		const li = [
			...Array.from({ length: 48 }, () => String(LARGEST_BELOW_2_53)),
			'9007199254740883',
			'3215031751'
		]
		const started = performance.now()
		const answer = await call(app, 'GET', '/primes', { query: { li } })
		const elapsed = performance.now() - started
		expect(answer.status).toBe(200)
		expect(answer.json).toEqual(Array.from({ length: 48 }, () => LARGEST_BELOW_2_53))
		expect(elapsed).toBeLessThan(5000) // generous: trial division needs about 100 s here
	}, 20_000)
})
