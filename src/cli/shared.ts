/**
 * What the commands share: the configuration file, the database, a password read from stdin,
 * and the check that running instances will hear of a change (FSA_CACHE = "redis").
 */
import { loadConfigFile, type RawConfig, type SimpleAuth } from '../auth'
import { openAcme } from '../acme'
import { REDIS_TIMEOUT_MS } from '../auth/cache/redis'
import { CliError, type Values } from './parse'

/** The configuration: FILE, else --config, else ACME_CONFIG; undefined for the built-in one. */
export async function readConfig(values: Values, file?: string): Promise<RawConfig | undefined> {
	const path = file ?? (values.config as string | undefined) ?? (process.env.ACME_CONFIG || undefined)
	return path ? loadConfigFile(path) : undefined
}

/** The database: --db, else ACME_DB, else acme.db. */
export function dbPath(values: Values): string {
	return (values.db as string | undefined) ?? (process.env.ACME_DB || 'acme.db')
}

/** One line of stdin, without its end of line. */
export async function readPassword(): Promise<string> {
	const line = (await Bun.stdin.text()).split(/\r?\n/, 1)[0] ?? ''
	if (line === '') throw new CliError('no password on stdin', 1)
	return line
}

/** Run `work` on the service's data; only `user add` may create the database file. */
export async function withAcme<T>(
	values: Values,
	work: (acme: Awaited<ReturnType<typeof openAcme>>) => Promise<T>,
	{ create = false } = {}
) {
	const acme = await openAcme({ config: await readConfig(values), db: dbPath(values), mustExist: !create })
	try {
		return await work(acme)
	} finally {
		acme.auth.cache.close()
		await acme.store.close()
	}
}

/**
 * With FSA_CACHE = "redis", running instances keep user versions in memory and hear of changes
 * through Redis: a change they cannot hear of is not made.
 */
export async function mustReachInstances(auth: SimpleAuth): Promise<void> {
	const near = auth.cache.near
	if (near === undefined) return
	// the client itself, not a command: the cache would log the outage as a server does
	const reached = await Promise.race([
		near.redis.client.connect().then(
			() => true,
			() => false
		),
		Bun.sleep(REDIS_TIMEOUT_MS).then(() => false)
	])
	if (!reached)
		throw new CliError(
			`Redis at ${near.redis.address} does not answer: nothing was changed (running instances must hear of every change)`,
			1
		)
}
