/**
 * `acme serve`, the default command: run the service on a port, with its transport and
 * database pool.
 */
import { serve } from '../serve'
import { usage, type Values } from './parse'
import { dbPath, readConfig } from './shared'

export async function serveCommand(values: Values, positionals: string[]): Promise<void> {
	if (positionals.length > 0) usage(`unexpected argument: ${positionals[0]}`, 'serve')
	const portText = (values.port as string | undefined) ?? (process.env.PORT || '5000')
	const port = Number(portText)
	if (!/^\d+$/.test(portText) || port > 65535)
		usage(`--port must be a number from 0 to 65535 (got "${portText}")`, 'serve')
	const transport = (values.transport as string | undefined) ?? 'bun'
	if (transport !== 'bun' && transport !== 'node')
		usage(`--transport must be bun or node (got "${transport}")`, 'serve')
	const poolText = process.env.ACME_DB_POOL ?? '10'
	if (!/^[1-9]\d{0,3}$/.test(poolText))
		usage(`ACME_DB_POOL must be a number of connections (got "${poolText}")`, 'serve')
	await serve({
		poolSize: Number(poolText),
		port,
		hostname: (values.host as string | undefined) ?? '0.0.0.0',
		transport: transport as 'bun' | 'node',
		config: await readConfig(values),
		db: dbPath(values),
		adminPassword: process.env.ACME_PASS
	})
}
