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

export async function serve(options: ServeOptions): Promise<void> {
	const { app, store, auth } = await createAcme({
		config: options.config,
		db: options.db,
		adminPassword: options.adminPassword,
		poolSize: options.poolSize
	})
	const log = stdoutLog(auth.settings.mode === 'prod')
	auth.requestLog(log.write)
	const { port, hostname } = options
	let stop: () => Promise<void>
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
			development: false
		})
		stop = async () => void (await app.stop())
		console.log(`acme ${version} listening on http://${hostname}:${app.server?.port} (bun transport)`)
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
