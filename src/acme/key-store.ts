/**
 * API keys in the database, so that every instance agrees: each key's id, owner, SHA-256, the
 * groups it holds (scopes), creation, expiry, rate and last use. A revoked key is deleted; a
 * deleted user's keys go with them (a foreign key). Lookups on SQLite answer at once, from
 * memory while nothing changed in the database (another process included).
 */
import { err, type ApiKeyRecord } from '../auth'
import { keptReads, type KeptReads, type SqlDriver } from './sql'

/** The table of keys, by engine; times are seconds since the epoch. */
export const API_KEY_MIGRATION: Record<SqlDriver['dialect'], string> = {
	sqlite: `CREATE TABLE api_keys (
		id TEXT PRIMARY KEY,
		login TEXT NOT NULL REFERENCES users(login) ON DELETE CASCADE,
		hash TEXT NOT NULL,
		scopes TEXT NOT NULL,
		created INTEGER NOT NULL,
		expires INTEGER,
		rate INTEGER,
		last_used INTEGER
	) STRICT;
	CREATE INDEX api_keys_login ON api_keys(login);`,
	postgres: `CREATE TABLE api_keys (
		id TEXT PRIMARY KEY,
		login TEXT NOT NULL REFERENCES users(login) ON DELETE CASCADE,
		hash TEXT NOT NULL,
		scopes TEXT NOT NULL,
		created BIGINT NOT NULL,
		expires BIGINT,
		rate INTEGER,
		last_used BIGINT
	);
	CREATE INDEX api_keys_login ON api_keys(login);`
}

/** A key as listed: never the key, never its hash. */
export interface ApiKeyRow {
	id: string
	login: string
	scopes: string[]
	/** Seconds since the epoch. */
	created: number
	expires: number | null
	last_used: number | null
}

interface StoredKey {
	id: string
	login: string
	hash: string
	scopes: string
	created: number | string
	expires: number | string | null
	rate: number | null
	last_used: number | string | null
}

const KEY_BY_ID = 'SELECT login, hash, scopes, expires, rate FROM api_keys WHERE id = $id'
const LISTED = 'SELECT id, login, scopes, created, expires, last_used FROM api_keys'

/** PostgreSQL returns BIGINT as a string. */
const seconds = (value: number | string | null): number | null => (value === null ? null : Number(value))

const scopesOf = (text: string): string[] => (text === '' ? [] : text.split(' '))

function recordOf(row: StoredKey | undefined): ApiKeyRecord | null {
	if (row === undefined) return null
	return {
		user: row.login,
		hash: row.hash,
		scopes: scopesOf(row.scopes),
		expires: seconds(row.expires),
		rate: row.rate
	}
}

export class ApiKeyData {
	/** Records kept while nothing changed (SQLite); PostgreSQL is asked each time. */
	readonly #records: KeptReads<ApiKeyRecord | null> | undefined

	constructor(readonly driver: SqlDriver) {
		this.#records = keptReads(driver, (db, id) => recordOf(db.one<StoredKey>(KEY_BY_ID, { id })))
	}

	/** Store a new key; 404 when the user does not exist. */
	async add(key: {
		id: string
		login: string
		hash: string
		scopes: readonly string[]
		expires: number | null
		rate: number | null
	}): Promise<void> {
		try {
			await this.driver.run(
				`INSERT INTO api_keys (id, login, hash, scopes, created, expires, rate)
				VALUES ($id, $login, $hash, $scopes, $created, $expires, $rate)`,
				{ ...key, scopes: key.scopes.join(' '), created: Math.floor(Date.now() / 1000) }
			)
		} catch (error) {
			if (this.driver.constraint(error) === 'foreign') err(`no such user: ${key.login}`, 404)
			throw error
		}
	}

	/**
	 * The record of a key by id, or null; asked on every request made with a key. SQLite answers
	 * at once, from memory while the database has not changed.
	 */
	record(id: string): ApiKeyRecord | null | Promise<ApiKeyRecord | null> {
		if (this.#records !== undefined) return this.#records.get(id)
		return this.driver.one<StoredKey>(KEY_BY_ID, { id }).then(recordOf)
	}

	/** Every key, or a user's, by login then creation; never the key or its hash. */
	async list(login?: string): Promise<ApiKeyRow[]> {
		const rows =
			login === undefined
				? await this.driver.all<StoredKey>(`${LISTED} ORDER BY login, created, id`)
				: await this.driver.all<StoredKey>(`${LISTED} WHERE login = $login ORDER BY created, id`, {
						login
					})
		return rows.map((row) => ({
			id: row.id,
			login: row.login,
			scopes: scopesOf(row.scopes),
			created: Number(row.created),
			expires: seconds(row.expires),
			last_used: seconds(row.last_used)
		}))
	}

	/** Revoke (delete) a key, only the user's own when `login` is given; whether there was one. */
	async revoke(id: string, login?: string): Promise<boolean> {
		const changes =
			login === undefined
				? await this.driver.run('DELETE FROM api_keys WHERE id = $id', { id })
				: await this.driver.run('DELETE FROM api_keys WHERE id = $id AND login = $login', {
						id,
						login
					})
		return changes > 0
	}

	/** Record a key's last use (the framework tells it at most once a minute per key). */
	async used(id: string, at: Date): Promise<void> {
		await this.driver.run('UPDATE api_keys SET last_used = $at WHERE id = $id', {
			id,
			at: Math.floor(at.getTime() / 1000)
		})
	}
}
