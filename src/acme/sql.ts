/**
 * The SQL engines Acme runs on, behind one small interface: SQLite (bun:sqlite, one machine,
 * sqlite.ts) and PostgreSQL (Bun.sql, several instances, postgres.ts). Queries use `$name`
 * parameters on both; constraint errors are told apart the same way; migrations are versioned.
 * Reads by key are kept in memory while the engine says nothing changed.
 */
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
