/**
 * `acme routes`: every route of the service under a configuration, as a table or as JSON;
 * reads no database.
 */
import { formatRouteTable, routeTable } from '../auth'
import { createAcme } from '../acme'
import { usage, type Values } from './parse'
import { readConfig } from './shared'

export async function routesCommand(values: Values, positionals: string[]): Promise<void> {
	if (positionals.length > 0) usage(`unexpected argument: ${positionals[0]}`, 'routes')
	// the routes depend on the configuration only: an in-memory database stands in for the real one
	const { app, auth, store } = await createAcme({ config: await readConfig(values), db: ':memory:' })
	try {
		const rows = routeTable(app, auth)
		console.log(values.json ? JSON.stringify(rows, null, 2) : formatRouteTable(rows))
	} finally {
		await store.close()
	}
}
