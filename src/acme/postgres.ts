/**
 * PostgreSQL through Bun.sql: several instances on one database, queries bounded in time, an
 * unreachable server told apart from a failing query.
 */
// Bun.SQL is read where PostgreSQL is used: reading it loads the client, 3.5 ms of every start
import type { SQL } from 'bun'
import { ErrorResponse, DeadlineExceeded, serverAddress, withDeadline } from '../auth'
import type { Constraint, Params, SqlDriver } from './sql'

/**
 * How long a query may take before its request answers 503: Acme's queries take milliseconds,
 * so only a server that hangs or cannot be reached reaches it.
 */
export const QUERY_TIMEOUT_MS = 1000

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
		this.address = serverAddress(url, 5432)
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
