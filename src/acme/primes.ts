/**
 * Primality for /primes: Miller-Rabin with the first 13 primes as bases, deterministic below
 * 3.3e24 (as sympy.isprime), so every integer a request can carry is answered in microseconds.
 */

const BASES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41]
/**
 * Fewer bases suffice below known bounds (Jaeschke): the first 7 primes below 341,550,071,728,321
 * (itself their smallest strong pseudoprime), the first 9 below 3,825,123,056,546,413,051, which
 * every safe integer is: a number near 2^53 costs 9 BigInt exponentiations, not 13.
 */
const BASES_BELOW_3E14 = BASES.slice(0, 7)
const BASES_BELOW_3E18 = BASES.slice(0, 9)
const BOUND_7_BASES = 341_550_071_728_321
/** Below this, products of two residues stay exact in a double (2^52). */
const EXACT_IN_NUMBERS = 2 ** 26

export function isPrime(n: number): boolean {
	if (!Number.isInteger(n) || n < 2) return false
	// every double from 2^53 on is even: only safe integers get past the small primes
	for (const prime of BASES) if (n % prime === 0) return n === prime
	if (n < 41 * 41) return true
	return n < EXACT_IN_NUMBERS ? millerRabinNumber(n) : millerRabinBigInt(BigInt(n))
}

function powModNumber(base: number, exponent: number, modulus: number): number {
	let result = 1
	base %= modulus
	while (exponent > 0) {
		if (exponent % 2 === 1) result = (result * base) % modulus
		base = (base * base) % modulus
		exponent = Math.floor(exponent / 2)
	}
	return result
}

function millerRabinNumber(n: number): boolean {
	let odd = n - 1
	let twos = 0
	while (odd % 2 === 0) {
		odd /= 2
		twos++
	}
	witness: for (const base of BASES) {
		let x = powModNumber(base, odd, n)
		if (x === 1 || x === n - 1) continue
		for (let round = 1; round < twos; round++) {
			x = (x * x) % n
			if (x === n - 1) continue witness
		}
		return false
	}
	return true
}

function powModBigInt(base: bigint, exponent: bigint, modulus: bigint): bigint {
	let result = 1n
	base %= modulus
	while (exponent > 0n) {
		if (exponent & 1n) result = (result * base) % modulus
		base = (base * base) % modulus
		exponent >>= 1n
	}
	return result
}

function millerRabinBigInt(n: bigint): boolean {
	let odd = n - 1n
	let twos = 0
	while ((odd & 1n) === 0n) {
		odd >>= 1n
		twos++
	}
	const bases =
		n < BigInt(BOUND_7_BASES)
			? BASES_BELOW_3E14
			: n <= BigInt(Number.MAX_SAFE_INTEGER)
				? BASES_BELOW_3E18
				: BASES
	witness: for (const base of bases) {
		let x = powModBigInt(BigInt(base), odd, n)
		if (x === 1n || x === n - 1n) continue
		for (let round = 1; round < twos; round++) {
			x = (x * x) % n
			if (x === n - 1n) continue witness
		}
		return false
	}
	return true
}
