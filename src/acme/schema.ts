/**
 * Acme's database schema, by engine: the migrations applied in order (the second factor's and
 * the API keys' among them), and the one counter every user version comes from.
 */
import type { SqlDriver } from './sql'
import { SECOND_FACTOR_MIGRATION } from './otp-store'
import { API_KEY_MIGRATION } from './key-store'

/** Where the one version counter starts: above any version a per-user counter reached. */
const VERSION_FLOOR = 1_000_000

/** Schema versions by engine, applied in order; a running database records the last applied. */
export const MIGRATIONS: Record<SqlDriver['dialect'], readonly string[]> = {
	sqlite: [
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
		`ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;`,
		// versions come from one counter, so a deleted and re-created login never meets its old
		// caches or tokens; it starts above what the per-user counters used before could reach
		`CREATE TABLE user_versions (last INTEGER NOT NULL) STRICT;
		INSERT INTO user_versions SELECT MAX(${VERSION_FLOOR}, COALESCE(MAX(version), 0)) FROM users;`,
		SECOND_FACTOR_MIGRATION,
		API_KEY_MIGRATION.sqlite
	],
	postgres: [
		`CREATE TABLE users (
			login TEXT PRIMARY KEY,
			password TEXT NOT NULL,
			email TEXT NOT NULL,
			is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1))
		);
		CREATE TABLE stuff (
			name TEXT PRIMARY KEY,
			owner TEXT NOT NULL REFERENCES users(login) ON DELETE CASCADE,
			price DOUBLE PRECISION NOT NULL
		);
		CREATE INDEX stuff_owner ON stuff(owner);
		CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
		`ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;`,
		`CREATE SEQUENCE user_versions AS INTEGER;
		SELECT setval('user_versions', GREATEST(${VERSION_FLOOR}, (SELECT COALESCE(MAX(version), 0) FROM users)));`,
		SECOND_FACTOR_MIGRATION,
		API_KEY_MIGRATION.postgres
	]
}

/** The next user version, from the one counter of the database. */
export const NEXT_VERSION: Record<SqlDriver['dialect'], string> = {
	sqlite: 'UPDATE user_versions SET last = last + 1 RETURNING last',
	postgres: "SELECT nextval('user_versions')::integer AS last"
}
