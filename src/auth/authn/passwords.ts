/**
 * Passwords: strength rules and the application's quality hook checked when hashing, hashing and
 * verification with `Bun.password` (argon2id by default, or bcrypt), or one-time codes (fsa:otp).
 */
import type { PasswordSettings } from '../config/settings'
import { ErrorResponse } from '../errors'
import type { PasswordQuality } from '../types'
import { sameSecret } from '../tokens/secrets'
import { decodeBase32, randomOtpSecret, verifyOtp } from './otp'

export class PasswordManager {
	readonly #algorithm: Bun.Password.AlgorithmLabel
	/** A hash of nothing anyone knows, verified when a user is unknown so that it costs the same work. */
	#dummyHash: Promise<string> | undefined

	constructor(readonly settings: PasswordSettings) {
		this.#algorithm = settings.scheme === 'bcrypt' ? 'bcrypt' : 'argon2id'
	}

	#options(): Bun.Password.Argon2Algorithm | Bun.Password.BCryptAlgorithm {
		const { memoryCost, timeCost, cost } = this.settings.options
		return this.#algorithm === 'bcrypt'
			? { algorithm: 'bcrypt', cost }
			: { algorithm: 'argon2id', memoryCost, timeCost }
	}

	/** Check the strength rules; throws a 400 with FlaskSimpleAuth's messages. */
	checkStrength(password: string): void {
		const { minLength, patterns } = this.settings
		if (password.length < minLength)
			throw new ErrorResponse(`password is too short, must be at least ${minLength}`, 400)
		for (const { source, re } of patterns)
			if (!re.test(password)) throw new ErrorResponse(`password must match ${source}`, 400)
	}

	/** Hash a password after checking its strength. */
	async hash(password: string, check = true): Promise<string> {
		if (check) this.checkStrength(password)
		if (this.settings.scheme === 'plaintext') return password
		// fsa:otp: the stored "hash" is the user's TOTP secret itself
		if (this.settings.scheme === 'fsa:otp') {
			if (decodeBase32(password) === undefined)
				throw new ErrorResponse('an OTP secret must be base32 (A-Z, 2-7)', 400)
			return password
		}
		// Bun.password throws a TypeError (a 500) on an empty password
		if (password === '') throw new ErrorResponse('password must not be empty', 400)
		return Bun.password.hash(password, this.#options())
	}

	/** Hash a user's new password: the strength rules, then the application's quality hook (400 when weak). */
	async hashNew(password: string, quality: PasswordQuality | undefined): Promise<string> {
		this.checkStrength(password)
		if (quality) {
			let good: boolean
			try {
				good = await quality(password)
			} catch (error) {
				throw new ErrorResponse(`password quality too low: ${(error as Error).message}`, 400)
			}
			if (!good) throw new ErrorResponse('password quality too low', 400)
		}
		return this.hash(password, false)
	}

	/** Whether the password matches the stored hash; a malformed hash never matches. */
	async verify(password: string, hash: string): Promise<boolean> {
		if (this.settings.scheme === 'plaintext') return sameSecret(password, hash)
		if (this.settings.scheme === 'fsa:otp') return verifyOtp(hash, password, this.settings.otp)
		try {
			return await Bun.password.verify(password, hash)
		} catch {
			return false
		}
	}

	/** Spend the work of one verification without any hash to match. */
	async verifyNothing(password: string): Promise<false> {
		this.#dummyHash ??=
			this.settings.scheme === 'fsa:otp'
				? Promise.resolve(randomOtpSecret())
				: this.hash(crypto.randomUUID(), false)
		await this.verify(password, await this.#dummyHash)
		return false
	}
}
