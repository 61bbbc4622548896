/**
 * SQLite through bun:sqlite: a private database file, WAL with synchronous=FULL, writes committed
 * in groups, and a change count cheap enough to keep reads in memory.
 */
import { Database, SQLiteError, type Statement } from 'bun:sqlite'
import { chmodSync, closeSync, openSync, statSync } from 'node:fs'
import type { Constraint, Params, SqlDriver } from './sql'

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
