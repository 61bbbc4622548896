/**
 * Passwords: strength rules checked when hashing, hashing and verification with
 * `Bun.password` (argon2id by default, or bcrypt).
 */
import type { PasswordSettings } from '../config/settings'
import { ErrorResponse } from '../errors'
import { sameSecret } from '../tokens/secrets'

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
		// Bun.password throws a TypeError (a 500) on an empty password
		if (password === '') throw new ErrorResponse('password must not be empty', 400)
		return Bun.password.hash(password, this.#options())
	}

	/** Whether the password matches the stored hash; a malformed hash never matches. */
	async verify(password: string, hash: string): Promise<boolean> {
		if (this.settings.scheme === 'plaintext') return sameSecret(password, hash)
		try {
			return await Bun.password.verify(password, hash)
		} catch {
			return false
		}
	}

	/** Spend the work of one verification without any hash to match. */
	async verifyNothing(password: string): Promise<false> {
		this.#dummyHash ??= this.hash(crypto.randomUUID(), false)
		await this.verify(password, await this.#dummyHash)
		return false
	}
}
