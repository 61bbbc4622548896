/**
 * Databases for the Acme tests, the same suites running on SQLite and on a real PostgreSQL
 * server (started once per test file on loopback, skipped with a visible message only when
 * PostgreSQL is not installed).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgres, type Service } from '../../scripts/services'
import { requireServer } from './real-servers'

export interface TestStore {
	readonly kind: 'sqlite' | 'postgres'
	/** Start what the store needs; false when it cannot run here. */
	setUp(): Promise<boolean>
	tearDown(): Promise<void>
	/** An empty database's location. */
	fresh(): Promise<string>
	/** An empty database that survives reopening (a file, or a server database). */
	persistent(): Promise<string>
	/** Another database, distinct from the others. */
	another(): Promise<string>
}

export function sqliteStore(): TestStore {
	let dir: string | undefined
	let count = 0
	return {
		kind: 'sqlite',
		async setUp() {
			dir = mkdtempSync(join(tmpdir(), 'acme-sqlite-'))
			return true
		},
		async tearDown() {
			if (dir) rmSync(dir, { recursive: true, force: true })
		},
		fresh: async () => ':memory:',
		persistent: async () => join(dir!, `persistent-${count++}.db`),
		another: async () => join(dir!, `another-${count++}.db`)
	}
}

export function postgresStore(): TestStore {
	let server: Service | undefined
	let count = 0
	/** Empty the tables of the main database (after the first migration created them). */
	async function truncate(url: string): Promise<void> {
		const sql = new Bun.SQL(url)
		try {
			// CASCADE: the tables that refer to users (api_keys) are emptied too
			await sql`TRUNCATE stuff, users, settings CASCADE`.catch(() => undefined)
		} finally {
			await sql.close()
		}
	}
	return {
		kind: 'postgres',
		async setUp() {
			server = requireServer('postgresql', await startPostgres())
			return server !== undefined
		},
		async tearDown() {
			await server?.stop()
		},
		async fresh() {
			await truncate(server!.url)
			return server!.url
		},
		async persistent() {
			await truncate(server!.url)
			return server!.url
		},
		async another() {
			const name = `another_${count++}`
			const sql = new Bun.SQL(server!.url)
			try {
				await sql.unsafe(`CREATE DATABASE ${name}`)
			} finally {
				await sql.close()
			}
			return server!.url.replace(/\/acme$/, `/${name}`)
		}
	}
}
