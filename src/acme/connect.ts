/**
 * Where Acme's data lives, and opening it: a SQLite file (or `:memory:`) or a PostgreSQL URL.
 * Every way this can fail becomes a `StoreError` of one line that says what to fix, and never
 * shows a password.
 */
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import type { SqlDriver } from './sql'
import { SqliteDriver } from './sqlite'
import { PostgresDriver, unreachable } from './postgres'

/** The database cannot be opened: the message is one line for the operator. */
export class StoreError extends Error {
	override name = 'StoreError'
}

export type Location =
	{ engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string; host: string; port: string }

const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//

/** What a `--db`/`ACME_DB` value names; a URL of another engine is refused, not taken as a file name. */
export function parseLocation(location: string): Location {
	const scheme = URL_SCHEME.exec(location)?.[1]
	if (scheme === undefined) return { engine: 'sqlite', path: location }
	if (!/^postgres(ql)?$/i.test(scheme))
		throw new StoreError(
			`unsupported database URL scheme "${scheme}:": use a SQLite file, :memory: or a postgres:// URL`
		)
	let url: URL
	try {
		url = new URL(location)
	} catch {
		// the URL may hold a password: it is not repeated
		throw new StoreError(
			'the database URL does not parse: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE'
		)
	}
	return { engine: 'postgres', url: location, host: url.hostname || 'localhost', port: url.port || '5432' }
}

/** Longest time spent waiting for a PostgreSQL server that does not answer yet. */
const POSTGRES_WAIT_MS = 3000
/** Longest wait for one connection attempt, in seconds (Bun.sql's unit). */
const POSTGRES_CONNECT_SECONDS = 2

function postgresReason(error: unknown): string {
	const code = (error as { code?: string }).code
	if (code === 'ERR_POSTGRES_CONNECTION_REFUSED') return 'connection refused'
	if (code === 'ERR_POSTGRES_CONNECTION_TIMEOUT')
		return `no answer within ${POSTGRES_CONNECT_SECONDS} seconds`
	if (code === 'ERR_POSTGRES_CONNECTION_CLOSED') return 'connection closed'
	return (error as Error).message
}

/** Wait, a few seconds at most, for the server to answer; a server just starting gets the time to. */
async function reachPostgres(location: Extract<Location, { engine: 'postgres' }>): Promise<void> {
	const deadline = Date.now() + POSTGRES_WAIT_MS
	for (;;) {
		const probe = new Bun.SQL(location.url, { max: 1, connectionTimeout: POSTGRES_CONNECT_SECONDS })
		try {
			await probe`SELECT 1`
			return
		} catch (error) {
			if (!unreachable(error) || Date.now() + 250 > deadline)
				throw new StoreError(
					`cannot use PostgreSQL at ${location.host}:${location.port}: ${postgresReason(error)}`
				)
		} finally {
			await probe.close().catch(() => undefined)
		}
		await Bun.sleep(250)
	}
}

function sqliteProblem(path: string, error: unknown): StoreError {
	const directory = dirname(path)
	const reason = existsSync(directory) ? (error as Error).message : `directory ${directory} does not exist`
	return new StoreError(`cannot open SQLite database ${path}: ${reason}`)
}

export interface OpenOptions {
	/** PostgreSQL connections of this instance. */
	poolSize?: number
	/** Refuse a SQLite file that does not exist, instead of creating an empty one. */
	mustExist?: boolean
}

/** Open the database and apply `migrations`; every failure is a StoreError. */
export async function openDriver(
	location: string,
	migrations: Record<SqlDriver['dialect'], readonly string[]>,
	options: OpenOptions = {}
): Promise<SqlDriver> {
	const where = parseLocation(location)
	if (where.engine === 'postgres') await reachPostgres(where)
	else if (options.mustExist && where.path !== ':memory:' && !existsSync(where.path))
		throw new StoreError(`no database at ${where.path}: check --db or ACME_DB`)
	let driver: SqlDriver
	try {
		driver =
			where.engine === 'postgres'
				? new PostgresDriver(where.url, options.poolSize)
				: new SqliteDriver(where.path)
	} catch (error) {
		throw where.engine === 'sqlite' ? sqliteProblem(where.path, error) : error
	}
	try {
		await driver.migrate(migrations[driver.dialect])
	} catch (error) {
		await driver.close().catch(() => undefined)
		if (where.engine === 'sqlite') throw sqliteProblem(where.path, error)
		throw new StoreError(`cannot use PostgreSQL at ${where.host}:${where.port}: ${postgresReason(error)}`)
	}
	return driver
}
