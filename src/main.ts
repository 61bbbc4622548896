/**
 * Entry point of the Acme executable: flags and environment, configuration, start, stop.
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfigFile, type RawConfig } from './auth'
import { createAcme } from './acme'
import { MAX_BODY_BYTES, serveWithNode } from './transport'
import { version } from '../package.json'

const USAGE = `usage: acme [--port N] [--host H] [--config FILE] [--db FILE] [--transport bun|node]

Runs the Acme service.

options:
  --port N            TCP port (env PORT, default 5000)
  --host H            address to listen on (default 0.0.0.0)
  --config FILE       TOML configuration of FSA_* directives (env ACME_CONFIG)
  --db FILE           SQLite database file or :memory: (env ACME_DB, default acme.db)
  --transport T       bun (default; GET bodies are refused) or node (keeps GET bodies)
  -h, --help          show this help
  -v, --version       show the version

environment:
  ACME_PASS           password of the admin user acme, created at start when absent`

function fatal(message: string): never {
	console.error(`acme: ${message}`)
	process.exit(2)
}

async function main(argv: string[]): Promise<void> {
	let values: Record<string, string | boolean | undefined>
	try {
		values = parseArgs({
			args: argv,
			options: {
				port: { type: 'string' },
				host: { type: 'string' },
				config: { type: 'string' },
				db: { type: 'string' },
				transport: { type: 'string' },
				help: { type: 'boolean', short: 'h' },
				version: { type: 'boolean', short: 'v' }
			},
			strict: true,
			allowPositionals: false
		}).values
	} catch (error) {
		fatal(`${(error as Error).message}\n${USAGE}`)
	}
	if (values.help) return void console.log(USAGE)
	if (values.version) return void console.log(version)

	const portText = (values.port as string | undefined) ?? process.env.PORT ?? '5000'
	const port = Number(portText)
	if (!/^\d+$/.test(portText) || port > 65535) fatal(`invalid port: ${portText}`)
	const hostname = (values.host as string | undefined) ?? '0.0.0.0'
	const transport = (values.transport as string | undefined) ?? 'bun'
	if (transport !== 'bun' && transport !== 'node')
		fatal(`--transport must be bun or node (got "${transport}")`)
	const configPath = (values.config as string | undefined) ?? process.env.ACME_CONFIG
	const db = (values.db as string | undefined) ?? process.env.ACME_DB ?? 'acme.db'

	let acme: Awaited<ReturnType<typeof createAcme>>
	try {
		const config: RawConfig | undefined = configPath ? await loadConfigFile(configPath) : undefined
		acme = await createAcme({ config, db, adminPassword: process.env.ACME_PASS })
	} catch (error) {
		if (error instanceof ConfigError) fatal(`configuration error: ${error.message}`)
		if (error instanceof Error && 'status' in error) fatal(`cannot start: ${error.message}`)
		throw error
	}
	const { app, store } = acme

	let stop: () => Promise<void>
	if (transport === 'node') {
		const server = await serveWithNode(app, port, hostname)
		stop = server.stop
		console.log(`acme ${version} listening on http://${hostname}:${server.port} (node transport)`)
	} else {
		app.listen({ port, hostname, maxRequestBodySize: MAX_BODY_BYTES })
		stop = async () => void (await app.stop())
		console.log(`acme ${version} listening on http://${hostname}:${app.server?.port} (bun transport)`)
	}

	let stopping = false
	const shutdown = async (signal: string) => {
		if (stopping) return
		stopping = true
		console.log(`acme: ${signal} received, stopping`)
		await stop()
		store.close()
		process.exit(0)
	}
	process.on('SIGTERM', () => void shutdown('SIGTERM'))
	process.on('SIGINT', () => void shutdown('SIGINT'))
}

await main(process.argv.slice(2))
