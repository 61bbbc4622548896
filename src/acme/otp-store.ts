/**
 * Second factors in the database, so that every instance agrees: each user's TOTP secret, the
 * last time step whose code was accepted (the replay guard) and the hashes of unused backup
 * codes. Each use is one conditional UPDATE: of two instances given the same code, one wins.
 */
import { err } from '../auth'
import { keptReads, type KeptReads, type SqlDriver } from './sql'

/** Columns of users: NULL secret means no second factor; backup hashes end with a space each. */
export const SECOND_FACTOR_MIGRATION = `ALTER TABLE users ADD COLUMN otp_secret TEXT;
ALTER TABLE users ADD COLUMN otp_step INTEGER;
ALTER TABLE users ADD COLUMN otp_backup TEXT;`

const HAS_SECOND_FACTOR = 'SELECT 1 AS found FROM users WHERE login = $login AND otp_secret IS NOT NULL'

/** Backup codes: 16 base32 letters (80 bits) in groups of four, any case, dashes and spaces optional. */
const BACKUP_CODE = /^[a-z2-7]{16}$/
const BACKUP_LETTERS = 'abcdefghijklmnopqrstuvwxyz234567'

export function newBackupCode(): string {
	const letters = [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => BACKUP_LETTERS[byte & 31])
	return letters.join('').replace(/(.{4})(?=.)/g, '$1-')
}

/** The stored form of a backup code (a SHA-256: the codes are random, not chosen); undefined when it is none. */
export function backupCodeHash(code: string): string | undefined {
	const plain = code.replace(/[\s-]+/g, '').toLowerCase()
	return BACKUP_CODE.test(plain) ? new Bun.CryptoHasher('sha256').update(plain).digest('hex') : undefined
}

export class OtpData {
	constructor(
		readonly driver: SqlDriver,
		readonly nextVersion: () => Promise<number>,
		/** Told of every user whose version changed, once the change is committed. */
		readonly versionChanged: (login: string) => Promise<void>
	) {
		this.#enrolled = keptReads(driver, (db, login) => db.one(HAS_SECOND_FACTOR, { login }) !== undefined)
	}

	/** Whether users have a second factor, kept while nothing changed (SQLite). */
	readonly #enrolled: KeptReads<boolean> | undefined

	/**
	 * Whether a user has a second factor: asked on every password check, SQLite answers at once,
	 * from memory while nothing changed.
	 */
	hasSecondFactor(login: string): boolean | Promise<boolean> {
		if (this.#enrolled !== undefined) return this.#enrolled.get(login)
		return this.driver.one(HAS_SECOND_FACTOR, { login }).then((row) => row !== undefined)
	}

	/** A user's TOTP secret, or null without a second factor. */
	async secretOf(login: string): Promise<string | null> {
		const row = await this.driver.one<{ otp_secret: string | null }>(
			'SELECT otp_secret FROM users WHERE login = $login',
			{ login }
		)
		return row?.otp_secret ?? null
	}

	/**
	 * Turn on (or replace) a user's second factor: the secret and backup codes replace any
	 * before, and the new user version ends every token of the user. 404 for no such user.
	 */
	async enable(login: string, secret: string, backupCodes: readonly string[]): Promise<void> {
		const backup = backupCodes.map((code) => `${backupCodeHash(code)!} `).join('')
		const changes = await this.driver.run(
			`UPDATE users SET otp_secret = $secret, otp_step = NULL, otp_backup = $backup, version = $version
			WHERE login = $login`,
			{ login, secret, backup, version: await this.nextVersion() }
		)
		if (changes === 0) err(`no such user: ${login}`, 404)
		await this.versionChanged(login)
	}

	/** Turn a user's second factor off (a new version ends their tokens); false when it was off. 404 for no such user. */
	async disable(login: string): Promise<boolean> {
		const changes = await this.driver.run(
			`UPDATE users SET otp_secret = NULL, otp_step = NULL, otp_backup = NULL, version = $version
			WHERE login = $login AND otp_secret IS NOT NULL`,
			{ login, version: await this.nextVersion() }
		)
		if (changes > 0) {
			await this.versionChanged(login)
			return true
		}
		if (
			(await this.driver.one('SELECT 1 AS found FROM users WHERE login = $login', { login })) ===
			undefined
		)
			err(`no such user: ${login}`, 404)
		return false
	}

	/**
	 * Accept the code of a time step once: true when no code of this step or a later one was
	 * accepted before (for this very secret), on any instance.
	 */
	async useStep(login: string, secret: string, step: number): Promise<boolean> {
		const changes = await this.driver.run(
			`UPDATE users SET otp_step = $step
			WHERE login = $login AND otp_secret = $secret AND (otp_step IS NULL OR otp_step < $step)`,
			{ login, secret, step }
		)
		return changes === 1
	}

	/** Use up a backup code: true when it was one of the user's unused codes. */
	async useBackupCode(login: string, code: string): Promise<boolean> {
		const hash = backupCodeHash(code)
		if (hash === undefined) return false
		// hashes are hex: no LIKE wildcard in them; each is followed by one space
		const changes = await this.driver.run(
			`UPDATE users SET otp_backup = REPLACE(otp_backup, $entry, '')
			WHERE login = $login AND otp_secret IS NOT NULL AND otp_backup LIKE $pattern`,
			{ login, entry: `${hash} `, pattern: `%${hash} %` }
		)
		return changes === 1
	}

	/** How many unused backup codes a user has. */
	async backupCodesLeft(login: string): Promise<number> {
		const row = await this.driver.one<{ otp_backup: string | null }>(
			'SELECT otp_backup FROM users WHERE login = $login',
			{ login }
		)
		return (row?.otp_backup ?? '').split(' ').filter(Boolean).length
	}
}
