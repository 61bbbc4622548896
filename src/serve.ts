/**
 * `acme serve`: start the service on Bun's server or the node transport, and stop it cleanly
 * on SIGTERM or SIGINT (in-flight requests finish, the database is closed, exit 0).
 */
import { createAcme } from './acme'
import { stdoutLog } from './logging'
import type { RawConfig } from './auth'
import { version } from '../package.json'

export interface ServeOptions {
	port: number
	hostname: string
	transport: 'bun' | 'node'
	config: RawConfig | undefined
	db: string
	adminPassword: string | undefined
	/** PostgreSQL connections of this instance. */
	poolSize?: number
}

/** The service cannot listen where it was told to: the message is one line for the operator. */
export class ListenError extends Error {
	override name = 'ListenError'
}

/** Why listening on `hostname`:`port` failed, in words that say what to change. */
export function listenProblem(error: unknown, hostname: string, port: number): ListenError {
	const code = (error as { code?: string }).code
	if (code === 'EADDRINUSE') return new ListenError(`port ${port} is already in use (on ${hostname})`)
	if (code === 'EACCES' || code === 'EPERM')
		return new ListenError(`no permission to listen on port ${port} (ports below 1024 need privileges)`)
	if (code === 'EADDRNOTAVAIL')
		return new ListenError(`cannot listen on ${hostname}: this machine has no such address`)
	// Bun's answer to a host name it cannot resolve
	if (code === 'EINVAL' || code === 'ENOTFOUND')
		return new ListenError(`cannot listen on ${hostname}: not an address or a known name of this machine`)
	return new ListenError(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`)
}

const ADMIN_OUTCOMES = {
	created: 'acme admin: user acme created from ACME_PASS',
	exists: 'acme admin: user acme already exists, left unchanged (ACME_PASS not used)'
}

export async function serve(options: ServeOptions): Promise<void> {
	const { app, store, auth, admin } = await createAcme({
		config: options.config,
		db: options.db,
		adminPassword: options.adminPassword,
		poolSize: options.poolSize
	})
	if (admin) console.log(ADMIN_OUTCOMES[admin])
	// an unreachable Redis does not stop the start: the cache logs one line naming it, requests
	// that need it answer 503 and /health names it until it answers (README, "Dependencies")
	if (auth.settings.cache.kind === 'redis') await auth.cache.check().catch(() => undefined)
	const log = stdoutLog(auth.settings.mode === 'prod')
	auth.requestLog(log.write)
	const { port, hostname } = options
	let stop: () => Promise<void>
	try {
		if (options.transport === 'node') {
			// node:http only for this transport
			const { serveWithNode } = await import('./transport')
			const server = await serveWithNode(app, port, hostname, auth.settings.maxBody)
			stop = server.stop
			console.log(`acme ${version} listening on http://${hostname}:${server.port} (node transport)`)
		} else {
			// development: false, or an error escaping the error handler gets Bun's debug page, sources included
			app.listen({
				port,
				hostname,
				// above FSA_MAX_BODY, so that the framework answers the 413 in its own format
				maxRequestBodySize: auth.settings.maxBody + 64 * 1024,
				development: false,
				// Elysia asks for SO_REUSEPORT: a second instance would share the port silently
				reusePort: false
			})
			stop = async () => void (await app.stop())
			console.log(`acme ${version} listening on http://${hostname}:${app.server?.port} (bun transport)`)
		}
	} catch (error) {
		await store.close()
		throw listenProblem(error, hostname, port)
	}

	let stopping = false
	const shutdown = async (signal: string) => {
		if (stopping) return
		stopping = true
		console.log(`acme: ${signal} received, stopping`)
		await stop()
		await log.flush()
		await store.close()
		process.exit(0)
	}
	process.on('SIGTERM', () => void shutdown('SIGTERM'))
	process.on('SIGINT', () => void shutdown('SIGINT'))
}
