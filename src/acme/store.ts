/**
 * AcmeData on bun:sqlite: users who own stuff at a price. Uniqueness and ownership are
 * enforced by the database; its errors become 409 and 404.
 */
import { Database, SQLiteError } from 'bun:sqlite'
import { err } from '../auth'

export const LOGIN_PATTERN = /^[a-z][a-z0-9]+$/

/** Schema versions, applied in order; PRAGMA user_version records the last applied. */
const MIGRATIONS = [
	`CREATE TABLE users (
		login TEXT PRIMARY KEY,
		password TEXT NOT NULL,
		email TEXT NOT NULL,
		is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1))
	) STRICT;
	CREATE TABLE stuff (
		name TEXT PRIMARY KEY,
		owner TEXT NOT NULL REFERENCES users(login) ON DELETE CASCADE,
		price REAL NOT NULL
	) STRICT;
	CREATE INDEX stuff_owner ON stuff(owner);
	CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;`,
	// bumped on every change of a user, so that running services see it despite their caches
	`ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;`
]

export interface UserRow {
	login: string
	email: string
	admin: boolean
}

function isConstraint(error: unknown, code: string): boolean {
	return error instanceof SQLiteError && error.code === code
}

export class AcmeData {
	readonly db: Database

	constructor(path = ':memory:') {
		this.db = new Database(path, { create: true, strict: true })
		this.db.run('PRAGMA journal_mode = WAL')
		this.db.run('PRAGMA synchronous = FULL')
		this.db.run('PRAGMA foreign_keys = ON')
		this.db.run('PRAGMA busy_timeout = 5000')
		this.#migrate()
	}

	#migrate(): void {
		const { user_version: version } = this.db
			.query<{ user_version: number }, []>('PRAGMA user_version')
			.get()!
		this.db
			.transaction(() => {
				for (let index = version; index < MIGRATIONS.length; index++) this.db.run(MIGRATIONS[index])
				this.db.run(`PRAGMA user_version = ${MIGRATIONS.length}`)
			})
			.immediate()
	}

	close(): void {
		this.db.close()
	}

	/** Check that the database answers; throws when it does not. */
	ping(): void {
		this.db.query('SELECT 1').get()
	}

	userExists(login: string): boolean {
		return (
			this.db
				.query<{ found: number }, { login: string }>(
					'SELECT 1 AS found FROM users WHERE login = $login'
				)
				.get({ login }) !== null
		)
	}

	/** Add a user with an already hashed password; 409 when the login exists, 400 when it is invalid. */
	addUser(login: string, passwordHash: string, email: string, admin: boolean): void {
		if (this.userExists(login)) err(`cannot overwrite existing user: ${login}`, 409)
		if (!LOGIN_PATTERN.test(login)) err(`invalid login name: ${login}`, 400)
		try {
			this.db
				.query(
					'INSERT INTO users (login, password, email, is_admin) VALUES ($login, $password, $email, $admin)'
				)
				.run({ login, password: passwordHash, email, admin: admin ? 1 : 0 })
		} catch (error) {
			if (isConstraint(error, 'SQLITE_CONSTRAINT_PRIMARYKEY'))
				err(`cannot overwrite existing user: ${login}`, 409)
			throw error
		}
	}

	getUserPass(login: string): string | null {
		return (
			this.db
				.query<{ password: string }, { login: string }>(
					'SELECT password FROM users WHERE login = $login'
				)
				.get({ login })?.password ?? null
		)
	}

	userIsAdmin(login: string): boolean {
		return (
			this.db
				.query<{ is_admin: number }, { login: string }>(
					'SELECT is_admin FROM users WHERE login = $login'
				)
				.get({ login })?.is_admin === 1
		)
	}

	/** Add stuff owned by a user; 409 when it exists, 404 when the user does not. */
	addStuff(stuff: string, login: string, price: number): void {
		try {
			this.db
				.query('INSERT INTO stuff (name, owner, price) VALUES ($stuff, $login, $price)')
				.run({ stuff, login, price })
		} catch (error) {
			if (isConstraint(error, 'SQLITE_CONSTRAINT_PRIMARYKEY'))
				err(`cannot overwrite existing stuff: ${stuff}`, 409)
			if (isConstraint(error, 'SQLITE_CONSTRAINT_FOREIGNKEY')) err(`no such user: ${login}`, 404)
			throw error
		}
	}

	/** The stuff of a user as [name, price] pairs, in name order. */
	getUserStuff(login: string): [string, number][] {
		if (!this.userExists(login)) err(`no such user: ${login}`, 404)
		return this.db
			.query<[string, number], { login: string }>(
				'SELECT name, price FROM stuff WHERE owner = $login ORDER BY name'
			)
			.values({ login }) as [string, number][]
	}

	changeStuff(stuff: string, price: number): void {
		const { changes } = this.db
			.query('UPDATE stuff SET price = $price WHERE name = $stuff')
			.run({ stuff, price })
		if (changes === 0) err(`no such stuff: ${stuff}`, 404)
	}

	/** The owner of some stuff, or null when it does not exist. */
	getStuffOwner(stuff: string): string | null {
		return (
			this.db
				.query<{ owner: string }, { stuff: string }>('SELECT owner FROM stuff WHERE name = $stuff')
				.get({ stuff })?.owner ?? null
		)
	}

	/** Every user, in login order, without password hashes. */
	listUsers(): UserRow[] {
		return this.db
			.query<{ login: string; email: string; is_admin: number }, []>(
				'SELECT login, email, is_admin FROM users ORDER BY login'
			)
			.all()
			.map((row) => ({ login: row.login, email: row.email, admin: row.is_admin === 1 }))
	}

	/** The version of a user, changed by every update; null when there is no such user. */
	userVersion(login: string): number | null {
		return (
			this.db
				.query<{ version: number }, { login: string }>(
					'SELECT version FROM users WHERE login = $login'
				)
				.get({ login })?.version ?? null
		)
	}

	#updateUser(login: string, assignment: string, values: Record<string, string | number>): void {
		const { changes } = this.db
			.query(`UPDATE users SET ${assignment}, version = version + 1 WHERE login = $login`)
			.run({ login, ...values })
		if (changes === 0) err(`no such user: ${login}`, 404)
	}

	setPassword(login: string, passwordHash: string): void {
		this.#updateUser(login, 'password = $password', { password: passwordHash })
	}

	setAdmin(login: string, admin: boolean): void {
		this.#updateUser(login, 'is_admin = $admin', { admin: admin ? 1 : 0 })
	}

	/** Delete a user and, through the foreign key, their stuff. */
	deleteUser(login: string): void {
		const { changes } = this.db.query('DELETE FROM users WHERE login = $login').run({ login })
		if (changes === 0) err(`no such user: ${login}`, 404)
	}

	getSetting(key: string): string | null {
		return (
			this.db
				.query<{ value: string }, { key: string }>('SELECT value FROM settings WHERE key = $key')
				.get({ key })?.value ?? null
		)
	}

	/** Store a setting unless one exists; returns the value in force. */
	initSetting(key: string, value: string): string {
		this.db
			.query('INSERT INTO settings (key, value) VALUES ($key, $value) ON CONFLICT (key) DO NOTHING')
			.run({ key, value })
		return this.getSetting(key)!
	}
}
