/**
 * The Acme service: its store, hooks and routes assembled under a configuration.
 */
import { Elysia } from 'elysia'
import { ConfigError, ErrorResponse, SimpleAuth, randomSecret, type RawConfig } from '../auth'
import { AcmeData } from './store'
import { registerHooks } from './hooks'
import { createRoutes } from './routes'

/** The configuration used when no file is given: the tutorial's acme.conf with tokens. */
export const DEFAULT_CONFIG: RawConfig = {
	FSA_AUTH: ['token', 'basic', 'param', 'none'],
	FSA_MODE: 'debug1',
	FSA_ADD_HEADERS: { Application: 'Acme' },
	FSA_REALM: 'acme',
	FSA_PARAM_USER: 'username',
	FSA_PARAM_PASS: 'password',
	FSA_TOKEN_DELAY: 10.0
}

export interface AcmeOptions {
	config?: RawConfig
	/** A SQLite file, ":memory:", or a postgres:// URL. @default ":memory:" */
	db?: string
	/** PostgreSQL connections per instance. @default 10 */
	poolSize?: number
	/** Password of the admin user `acme`, created when absent. */
	adminPassword?: string
}

/**
 * Open Acme's store and framework under a configuration, without routes: what the service
 * and the command line share.
 */
export async function openAcme(options: AcmeOptions = {}) {
	const store = await AcmeData.open(options.db ?? ':memory:', { poolSize: options.poolSize })
	try {
		const config = { ...(options.config ?? DEFAULT_CONFIG) }
		// tokens survive a restart: without a configured secret, keep one in the database
		if (config.FSA_TOKEN_SECRET === undefined)
			config.FSA_TOKEN_SECRET = await store.initSetting('token_secret', randomSecret())
		const auth = registerHooks(new SimpleAuth({ name: 'acme', config }), store)
		if (options.adminPassword !== undefined && !(await store.userExists('acme'))) {
			let hash: string
			try {
				hash = await auth.hashPassword(options.adminPassword)
			} catch (error) {
				if (error instanceof ErrorResponse) throw new ConfigError(`ACME_PASS: ${error.message}`)
				throw error
			}
			try {
				await store.addUser('acme', hash, 'acme@acme.org', true)
			} catch (error) {
				// another instance starting at the same time created it first
				if (!(error instanceof ErrorResponse && error.status === 409)) throw error
			}
		}
		return { auth, store }
	} catch (error) {
		await store.close()
		throw error
	}
}

/** The Acme service: store, framework and routes. */
export async function createAcme(options: AcmeOptions = {}) {
	const { auth, store } = await openAcme(options)
	const app = new Elysia().use(createRoutes(auth, store))
	return { app, auth, store }
}
