/**
 * The two SQL engines Acme runs on, behind one small interface: SQLite (bun:sqlite, one
 * machine) and PostgreSQL (Bun.sql, several instances). Queries use `$name` parameters on
 * both; constraint errors are told apart the same way; migrations are versioned.
 */
import { Database, SQLiteError, type Statement } from 'bun:sqlite'
// Bun.SQL is read where PostgreSQL is used: reading it loads the client, 3.5 ms of every start
import type { SQL } from 'bun'
import { ErrorResponse, DeadlineExceeded, withDeadline } from '../auth'
import { chmodSync, closeSync, openSync, statSync } from 'node:fs'

export type Params = Record<string, string | number | null>
export type Constraint = 'unique' | 'foreign' | undefined

export interface SqlDriver {
	readonly dialect: 'sqlite' | 'postgres'
	all<T>(sql: string, params?: Params): Promise<T[]>
	/** The first row of a query, or undefined. */
	one<T>(sql: string, params?: Params): Promise<T | undefined>
	/** `all` without waiting, for an engine that answers in process (SQLite); undefined otherwise. */
	readonly allNow?: <T>(sql: string, params?: Params) => T[]
	/** `one` without waiting, for an engine that answers in process (SQLite); undefined otherwise. */
	readonly oneNow?: <T>(sql: string, params?: Params) => T | undefined
	/**
	 * A count that moves whenever the data may have changed (a write of this driver at once, a
	 * commit of any other connection or process within CHANGES_SEEN_WITHIN_MS), for an engine
	 * that tells it cheaply (SQLite); undefined otherwise. What was read at the same count holds.
	 */
	readonly changeCount?: () => number
	/** Run a statement; resolves to the number of rows it changed. */
	run(sql: string, params?: Params): Promise<number>
	/** Which constraint an error broke, if any. */
	constraint(error: unknown): Constraint
	/** Apply the steps not applied yet, in order, once even when instances start together. */
	migrate(steps: readonly string[]): Promise<void>
	close(): Promise<void>
}

/**
 * Keep a SQLite database private: it holds password hashes and, without FSA_TOKEN_SECRET, the
 * token secret. A new file is made 0600 before SQLite writes to it, whatever the umask (SQLite
 * gives its -wal and -shm files the mode of the database); an existing file, or one of its
 * companions, that others may read is tightened to 0600, and one line says so.
 */
export function keepPrivate(path: string): void {
	if (path === '' || path === ':memory:' || path.startsWith('file:')) return
	try {
		closeSync(openSync(path, 'wx', 0o600))
	} catch {
		// it exists (checked below), or SQLite will say why it cannot be opened
	}
	const tightened: string[] = []
	for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
		let mode: number
		try {
			mode = statSync(file).mode & 0o777
		} catch {
			continue
		}
		if ((mode & 0o077) === 0) continue
		try {
			chmodSync(file, 0o600)
			tightened.push(`${file} (was ${mode.toString(8).padStart(4, '0')})`)
		} catch (error) {
			const code = (error as { code?: string }).code ?? 'error'
			console.error(
				`acme: ${file} is readable by others and cannot be made private (${code}): chmod 600 it`
			)
		}
	}
	if (tightened.length > 0)
		console.error(`acme: made private (0600), others could read them: ${tightened.join(', ')}`)
}

/**
 * How soon a commit of another connection on the same SQLite file (the command line, another
 * instance) is seen by the reads kept in memory: a millisecond. This connection's own writes are
 * seen at once.
 */
export const CHANGES_SEEN_WITHIN_MS = 1

/**
 * Answers read by key from an engine that tells its changes cheaply (SQLite), kept in memory
 * while nothing changed: what was read at the same change count still holds. At most `limit`
 * answers are kept; past it they are all forgotten.
 */
export class KeptReads<T extends NonNullable<unknown> | null> {
	readonly #answers = new Map<string, T>()
	#readAt = -1

	constructor(
		readonly changeCount: () => number,
		readonly read: (key: string) => T,
		readonly limit = 10_000
	) {}

	get(key: string): T {
		const count = this.changeCount()
		if (count !== this.#readAt) {
			this.#answers.clear()
			this.#readAt = count
		}
		let answer = this.#answers.get(key)
		if (answer === undefined) {
			answer = this.read(key)
			if (this.#answers.size >= this.limit) this.#answers.clear()
			this.#answers.set(key, answer)
		}
		return answer
	}
}

/** The queries of an engine that answers in process (SQLite), without waiting. */
export interface AtOnce {
	one<T>(sql: string, params?: Params): T | undefined
	all<T>(sql: string, params?: Params): T[]
}

/**
 * Reads by key kept in memory for a driver that tells its changes (SQLite), undefined for one
 * that does not (PostgreSQL: each read is a query).
 */
export function keptReads<T extends NonNullable<unknown> | null>(
	driver: SqlDriver,
	read: (atOnce: AtOnce, key: string) => T
): KeptReads<T> | undefined {
	const { changeCount } = driver
	if (driver.oneNow === undefined || driver.allNow === undefined || changeCount === undefined)
		return undefined
	// the driver's queries are read at each call: tests count lookups by replacing them
	const atOnce: AtOnce = {
		one: (sql, params) => driver.oneNow!(sql, params),
		all: (sql, params) => driver.allNow!(sql, params)
	}
	return new KeptReads(changeCount, (key) => read(atOnce, key))
}

/** A write waiting for its group's commit. */
interface Write {
	sql: string
	params: Params
	resolve(changes: number): void
	reject(error: unknown): void
}

/**
 * SQLite: WAL with synchronous=FULL (an acknowledged write survives a crash or a power loss),
 * foreign keys on, and a busy timeout for concurrent writers.
 */
export class SqliteDriver implements SqlDriver {
	readonly dialect = 'sqlite'
	readonly db: Database

	readonly #dataVersion: Statement
	#lastDataVersion = -1
	#changes = 0
	/** When data_version is next asked (performance.now()). */
	#askAfter = 0

	constructor(path: string) {
		keepPrivate(path)
		this.db = new Database(path, { create: true, strict: true })
		this.db.run('PRAGMA journal_mode = WAL')
		this.db.run('PRAGMA synchronous = FULL')
		this.db.run('PRAGMA foreign_keys = ON')
		this.db.run('PRAGMA busy_timeout = 5000')
		this.#dataVersion = this.db.prepare('PRAGMA data_version')
	}

	/**
	 * This connection's own writes move the count at once. SQLite's data_version, which moves
	 * when another connection commits (another process included), is asked at most once every
	 * CHANGES_SEEN_WITHIN_MS: it costs as much as a lookup (a read lock, system calls included),
	 * and asking it on every request took a third of a token route's time.
	 */
	readonly changeCount = (): number => {
		const now = performance.now()
		if (now >= this.#askAfter) {
			this.#askAfter = now + CHANGES_SEEN_WITHIN_MS
			const seen = this.#dataVersion.values()[0][0] as number
			if (seen !== this.#lastDataVersion) {
				this.#lastDataVersion = seen
				this.#changes++
			}
		}
		return this.#changes
	}

	async all<T>(sql: string, params: Params = {}): Promise<T[]> {
		return this.allNow<T>(sql, params)
	}

	async one<T>(sql: string, params: Params = {}): Promise<T | undefined> {
		return this.oneNow<T>(sql, params)
	}

	readonly allNow = <T>(sql: string, params: Params = {}): T[] => this.db.query<T, Params>(sql).all(params)

	readonly oneNow = <T>(sql: string, params: Params = {}): T | undefined =>
		this.db.query<T, Params>(sql).get(params) ?? undefined

	/**
	 * Writes are committed in groups: those asked for during one turn of the event loop go in
	 * one transaction, each in a savepoint of its own (a write that fails is undone and fails
	 * alone), and share one fsync; each resolves once the commit is durable. A write alone is
	 * committed by itself. Under concurrent writes, this divides the fsyncs (which block the
	 * process: bun:sqlite is synchronous) by the size of the group.
	 */
	run(sql: string, params: Params = {}): Promise<number> {
		return new Promise((resolve, reject) => {
			if (this.#writes.push({ sql, params, resolve, reject }) === 1) setImmediate(this.#commitWrites)
		})
	}

	/** The writes waiting for the next group commit. */
	#writes: Write[] = []

	readonly #commitWrites = (): void => {
		const writes = this.#writes
		this.#writes = []
		// committed already, by a close
		if (writes.length === 0) return
		if (writes.length === 1) {
			const [write] = writes
			try {
				write.resolve(this.#apply(write))
			} catch (error) {
				write.reject(error)
			} finally {
				this.#changes++
			}
			return
		}
		const settled: (() => void)[] = []
		try {
			this.db.query('BEGIN IMMEDIATE').run()
			for (const write of writes) {
				this.db.query('SAVEPOINT write').run()
				try {
					const changes = this.#apply(write)
					settled.push(() => write.resolve(changes))
				} catch (error) {
					this.db.query('ROLLBACK TO write').run()
					settled.push(() => write.reject(error))
				}
				this.db.query('RELEASE write').run()
			}
			this.db.query('COMMIT').run()
		} catch (error) {
			// the group could not begin or commit (a lock held too long, a full disk): none holds
			if (this.db.inTransaction) this.db.query('ROLLBACK').run()
			for (const write of writes) write.reject(error)
			return
		} finally {
			this.#changes++
		}
		for (const settle of settled) settle()
	}

	#apply(write: Write): number {
		return this.db.query<unknown, Params>(write.sql).run(write.params).changes
	}

	constraint(error: unknown): Constraint {
		if (!(error instanceof SQLiteError)) return undefined
		if (error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || error.code === 'SQLITE_CONSTRAINT_UNIQUE')
			return 'unique'
		if (error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign'
		return undefined
	}

	async migrate(steps: readonly string[]): Promise<void> {
		const version = () =>
			this.db.query<{ user_version: number }, []>('PRAGMA user_version').get()!.user_version
		// an up-to-date database is only read: no write transaction, no fsync, at every start
		if (version() >= steps.length) return
		this.db
			.transaction(() => {
				// read again under the write lock: another instance may have migrated meanwhile
				for (let index = version(); index < steps.length; index++) this.db.run(steps[index])
				this.db.run(`PRAGMA user_version = ${steps.length}`)
			})
			.immediate()
		this.#changes++
	}

	async close(): Promise<void> {
		// writes asked for before the close are committed, not lost
		if (this.#writes.length > 0) this.#commitWrites()
		this.db.close()
	}
}

/**
 * How long a query may take before its request answers 503: Acme's queries take milliseconds,
 * so only a server that hangs or cannot be reached reaches it.
 */
export const QUERY_TIMEOUT_MS = 1000

/** host:port of a PostgreSQL URL, for the log (never its password). */
function postgresAddress(url: string): string {
	try {
		const { hostname, port } = new URL(url)
		return `${hostname}:${port || '5432'}`
	} catch {
		return 'the configured address'
	}
}

/** Whether an error means the server is out of reach (rather than a query it refused). */
export function unreachable(error: unknown): boolean {
	if (error instanceof DeadlineExceeded) return true
	const { code, errno } = error as { code?: unknown; errno?: unknown }
	// Bun's own connection errors; SQLSTATE classes 08 (connection) and 57P (shutdown, starting)
	if (typeof code === 'string' && /^ERR_POSTGRES_(CONNECTION_|IDLE_TIMEOUT|LIFETIME_TIMEOUT)/.test(code))
		return true
	return typeof errno === 'string' && (errno.startsWith('08') || errno.startsWith('57P'))
}

/**
 * PostgreSQL through Bun's built-in client, with a pool of `max` connections. The pool reconnects
 * by itself when the server comes back; meanwhile queries fail at once (connection refused) or
 * after QUERY_TIMEOUT_MS (a server that hangs), as a 503, and the change of state is logged once
 * each way on stderr.
 */
export class PostgresDriver implements SqlDriver {
	readonly dialect = 'postgres'
	readonly sql: SQL
	/** host:port, for the log. */
	readonly address: string
	readonly #texts = new Map<string, { text: string; names: string[] }>()
	#down = false

	constructor(url: string, max = 10) {
		// connectionTimeout is in seconds
		this.sql = new Bun.SQL(url, { max, connectionTimeout: QUERY_TIMEOUT_MS / 1000 })
		this.address = postgresAddress(url)
	}

	/** Run a query within QUERY_TIMEOUT_MS; a server out of reach becomes a 503. */
	async #query(sql: string, params: Params): Promise<unknown> {
		const { text, names } = this.#compile(sql)
		const query = this.sql.unsafe(
			text,
			names.map((name) => params[name])
		)
		try {
			const result = await withDeadline(query as Promise<unknown>, QUERY_TIMEOUT_MS)
			this.#answered()
			return result
		} catch (error) {
			if (!unreachable(error)) {
				this.#answered()
				throw error
			}
			if (error instanceof DeadlineExceeded) query.cancel()
			if (!this.#down) {
				this.#down = true
				console.error(
					`database: postgres at ${this.address} unavailable (${(error as Error).message}): requests that need it answer 503 until it answers`
				)
			}
			throw new ErrorResponse('database unavailable', 503, { 'retry-after': '1' })
		}
	}

	#answered(): void {
		if (!this.#down) return
		this.#down = false
		console.error(`database: postgres at ${this.address} answers again`)
	}

	/** `$name` parameters become PostgreSQL's `$1`, `$2`... once per query text. */
	#compile(sql: string): { text: string; names: string[] } {
		let compiled = this.#texts.get(sql)
		if (!compiled) {
			const names: string[] = []
			const text = sql.replace(/\$([A-Za-z_]\w*)/g, (_match, name: string) => {
				if (!names.includes(name)) names.push(name)
				return `$${names.indexOf(name) + 1}`
			})
			this.#texts.set(sql, (compiled = { text, names }))
		}
		return compiled
	}

	async all<T>(sql: string, params: Params = {}): Promise<T[]> {
		return [...((await this.#query(sql, params)) as T[])]
	}

	async one<T>(sql: string, params: Params = {}): Promise<T | undefined> {
		return (await this.all<T>(sql, params))[0]
	}

	async run(sql: string, params: Params = {}): Promise<number> {
		return ((await this.#query(sql, params)) as { count: number }).count
	}

	constraint(error: unknown): Constraint {
		if (!(error instanceof Bun.SQL.PostgresError)) return undefined
		if (error.errno === '23505') return 'unique'
		if (error.errno === '23503') return 'foreign'
		return undefined
	}

	async migrate(steps: readonly string[]): Promise<void> {
		await this.sql.begin(async (tx) => {
			// one instance migrates at a time; the others wait, then find nothing left to do
			await tx`SELECT pg_advisory_xact_lock(7263)`
			await tx`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`
			const [row] = await tx`SELECT version FROM schema_version`
			const version = row ? (row.version as number) : 0
			for (let index = version; index < steps.length; index++) await tx.unsafe(steps[index])
			if (row) await tx`UPDATE schema_version SET version = ${steps.length}`
			else await tx`INSERT INTO schema_version (version) VALUES (${steps.length})`
		})
	}

	async close(): Promise<void> {
		await this.sql.close()
	}
}
