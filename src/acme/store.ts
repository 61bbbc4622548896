/**
 * AcmeData: users who own stuff at a price, on SQLite or PostgreSQL. Uniqueness and
 * ownership are enforced by the database; its errors become 409 and 404. Its tables and their
 * migrations, by engine, are in schema.ts.
 */
import { err } from '../auth'
import { keptReads, type KeptReads, type SqlDriver } from './sql'
import { openDriver, type OpenOptions } from './connect'
import { OtpData } from './otp-store'
import { ApiKeyData } from './key-store'
import { MIGRATIONS, NEXT_VERSION } from './schema'

export const LOGIN_PATTERN = /^[a-z][a-z0-9]+$/

export interface UserRow {
	login: string
	email: string
	admin: boolean
	/** Whether the user has a second factor. */
	otp: boolean
}

/** Code-point order, the same on every engine and collation. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

const USER_EXISTS = 'SELECT 1 AS found FROM users WHERE login = $login'
const USER_STUFF = 'SELECT name, price FROM stuff WHERE owner = $login'
const USER_VERSION = 'SELECT version FROM users WHERE login = $login'
type StuffRow = { name: string; price: number }

/** A user's stuff rows as new [name, price] pairs in name order; 404 for null, no such user. */
function stuffOf(login: string, rows: readonly StuffRow[] | null): [string, number][] {
	if (rows === null) err(`no such user: ${login}`, 404)
	return rows.map((row): [string, number] => [row.name, row.price]).sort((a, b) => byCodePoint(a[0], b[0]))
}

export class AcmeData {
	/** Second factors: secrets, the replay guard and backup codes. */
	readonly otp: OtpData
	/** API keys: hashes, scopes, limits and last use. */
	readonly keys: ApiKeyData

	/**
	 * Told of every user whose version changed (created, updated, deleted), once the change is
	 * committed: instances that keep versions in memory forget it (the framework's versionUncache).
	 */
	onVersionChange: (login: string) => Promise<void> = async () => undefined

	/** Versions kept while nothing changed (SQLite); PostgreSQL is asked each time. */
	readonly #versions: KeptReads<number | null> | undefined

	/** Each user's stuff rows kept while nothing changed (SQLite); null for no such user. */
	readonly #stuff: KeptReads<readonly StuffRow[] | null> | undefined

	private constructor(readonly driver: SqlDriver) {
		this.#stuff = keptReads(driver, (db, login) => {
			const rows = db.all<StuffRow>(USER_STUFF, { login })
			// stuff rows imply their owner (a foreign key): only no rows needs the user looked up
			return rows.length > 0 || db.one(USER_EXISTS, { login }) !== undefined ? rows : null
		})
		this.#versions = keptReads(
			driver,
			(db, login) => db.one<{ version: number }>(USER_VERSION, { login })?.version ?? null
		)
		this.otp = new OtpData(
			driver,
			() => this.#nextVersion(),
			(login) => this.onVersionChange(login)
		)
		this.keys = new ApiKeyData(driver)
	}

	/**
	 * Open a store: a `postgres://` (or `postgresql://`) URL, or a SQLite file, `:memory:` allowed.
	 * The schema is created or migrated at once; a database that cannot be used is a StoreError.
	 */
	static async open(location = ':memory:', options: OpenOptions = {}): Promise<AcmeData> {
		return new AcmeData(await openDriver(location, MIGRATIONS, options))
	}

	close(): Promise<void> {
		return this.driver.close()
	}

	/** Check that the database answers; throws when it does not. */
	async ping(): Promise<void> {
		await this.driver.all('SELECT 1 AS one')
	}

	async userExists(login: string): Promise<boolean> {
		return (await this.driver.one(USER_EXISTS, { login })) !== undefined
	}

	/** Add a user with an already hashed password; 409 when the login exists, 400 when it is invalid. */
	async addUser(login: string, passwordHash: string, email: string, admin: boolean): Promise<void> {
		if (await this.userExists(login)) err(`cannot overwrite existing user: ${login}`, 409)
		if (!LOGIN_PATTERN.test(login)) err(`invalid login name: ${login}`, 400)
		try {
			await this.driver.run(
				`INSERT INTO users (login, password, email, is_admin, version)
				VALUES ($login, $password, $email, $admin, $version)`,
				{
					login,
					password: passwordHash,
					email,
					admin: admin ? 1 : 0,
					version: await this.#nextVersion()
				}
			)
		} catch (error) {
			// two requests may both find the login free: the database decides
			if (this.driver.constraint(error) === 'unique')
				err(`cannot overwrite existing user: ${login}`, 409)
			throw error
		}
		await this.onVersionChange(login)
	}

	async getUserPass(login: string): Promise<string | null> {
		const row = await this.driver.one<{ password: string }>(
			'SELECT password FROM users WHERE login = $login',
			{
				login
			}
		)
		return row?.password ?? null
	}

	async userIsAdmin(login: string): Promise<boolean> {
		const row = await this.driver.one<{ is_admin: number }>(
			'SELECT is_admin FROM users WHERE login = $login',
			{
				login
			}
		)
		return row?.is_admin === 1
	}

	/** Add stuff owned by a user; 409 when it exists, 404 when the user does not. */
	async addStuff(stuff: string, login: string, price: number): Promise<void> {
		try {
			await this.driver.run('INSERT INTO stuff (name, owner, price) VALUES ($stuff, $login, $price)', {
				stuff,
				login,
				price
			})
		} catch (error) {
			const constraint = this.driver.constraint(error)
			if (constraint === 'unique') err(`cannot overwrite existing stuff: ${stuff}`, 409)
			if (constraint === 'foreign') err(`no such user: ${login}`, 404)
			throw error
		}
	}

	/**
	 * The stuff of a user as [name, price] pairs, in name order; 404 when there is no such user.
	 * SQLite answers at once, from memory while nothing changed.
	 */
	getUserStuff(login: string): [string, number][] | Promise<[string, number][]> {
		if (this.#stuff !== undefined) return stuffOf(login, this.#stuff.get(login))
		const { driver } = this
		return driver
			.all<StuffRow>(USER_STUFF, { login })
			.then(async (rows) =>
				stuffOf(
					login,
					rows.length > 0 || (await driver.one(USER_EXISTS, { login })) !== undefined ? rows : null
				)
			)
	}

	async changeStuff(stuff: string, price: number): Promise<void> {
		const changes = await this.driver.run('UPDATE stuff SET price = $price WHERE name = $stuff', {
			stuff,
			price
		})
		if (changes === 0) err(`no such stuff: ${stuff}`, 404)
	}

	/** The owner of some stuff, or null when it does not exist. */
	async getStuffOwner(stuff: string): Promise<string | null> {
		const row = await this.driver.one<{ owner: string }>('SELECT owner FROM stuff WHERE name = $stuff', {
			stuff
		})
		return row?.owner ?? null
	}

	/** Every user, in login order, without password hashes. */
	async listUsers(): Promise<UserRow[]> {
		const rows = await this.driver.all<{ login: string; email: string; is_admin: number; otp: number }>(
			'SELECT login, email, is_admin, CASE WHEN otp_secret IS NULL THEN 0 ELSE 1 END AS otp FROM users'
		)
		return rows
			.map((row) => ({
				login: row.login,
				email: row.email,
				admin: row.is_admin === 1,
				otp: row.otp === 1
			}))
			.sort((a, b) => byCodePoint(a.login, b.login))
	}

	/**
	 * The version of a user, changed by every update; null when there is no such user. Asked on
	 * every password check: SQLite answers at once, without a promise.
	 */
	userVersion(login: string): number | null | Promise<number | null> {
		if (this.#versions !== undefined) return this.#versions.get(login)
		return this.driver
			.one<{ version: number }>(USER_VERSION, { login })
			.then((row) => row?.version ?? null)
	}

	/** A version no user of this database ever had: one counter for every login, never reset. */
	async #nextVersion(): Promise<number> {
		const [row] = await this.driver.all<{ last: number }>(NEXT_VERSION[this.driver.dialect])
		return row.last
	}

	async #updateUser(
		login: string,
		assignment: string,
		values: Record<string, string | number>
	): Promise<void> {
		const changes = await this.driver.run(
			`UPDATE users SET ${assignment}, version = $version WHERE login = $login`,
			{ login, ...values, version: await this.#nextVersion() }
		)
		if (changes === 0) err(`no such user: ${login}`, 404)
		await this.onVersionChange(login)
	}

	setPassword(login: string, passwordHash: string): Promise<void> {
		return this.#updateUser(login, 'password = $password', { password: passwordHash })
	}

	setAdmin(login: string, admin: boolean): Promise<void> {
		return this.#updateUser(login, 'is_admin = $admin', { admin: admin ? 1 : 0 })
	}

	/** Delete a user and, through the foreign keys, their stuff and API keys. */
	async deleteUser(login: string): Promise<void> {
		const changes = await this.driver.run('DELETE FROM users WHERE login = $login', { login })
		if (changes === 0) err(`no such user: ${login}`, 404)
		await this.onVersionChange(login)
	}

	async getSetting(key: string): Promise<string | null> {
		const row = await this.driver.one<{ value: string }>('SELECT value FROM settings WHERE key = $key', {
			key
		})
		return row?.value ?? null
	}

	/** Store a setting unless one exists; returns the value in force. */
	async initSetting(key: string, value: string): Promise<string> {
		// read first: a restart finds it, and writes nothing
		const existing = await this.getSetting(key)
		if (existing !== null) return existing
		await this.driver.run(
			'INSERT INTO settings (key, value) VALUES ($key, $value) ON CONFLICT (key) DO NOTHING',
			{
				key,
				value
			}
		)
		return (await this.getSetting(key))!
	}
}
