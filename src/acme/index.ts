/**
 * The Acme service: its store, hooks and routes assembled under a configuration.
 */
import { Elysia } from 'elysia'
import { ConfigError, ErrorResponse, SimpleAuth, parseSettings, randomSecret, type RawConfig } from '../auth'
import { AcmeData } from './store'
import { registerHooks } from './hooks'
import { createRoutes } from './routes'

/** The configuration used when no file is given: the tutorial's acme.conf with tokens. */
export const DEFAULT_CONFIG: RawConfig = {
	FSA_AUTH: ['token', 'basic', 'param', 'apikey', 'none'],
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
	/** Refuse a SQLite file that does not exist instead of creating it (commands that only read or change). */
	mustExist?: boolean
}

/** What was done with `adminPassword`: the admin created, or found and left unchanged. */
export type AdminOutcome = 'created' | 'exists' | undefined

/**
 * The configuration as given, with "none" enabled when FSA_AUTH lacks it, for the routes that
 * are open whatever the configuration says (/health, the docs): the schemes routes try by
 * default stay those configured. Returns whether the configuration itself enabled "none".
 */
function withOpenRoutes(config: RawConfig): { config: RawConfig; anonymous: boolean } {
	const settings = parseSettings(config)
	if (settings.auth.includes('none')) return { config, anonymous: true }
	return {
		config: {
			...config,
			FSA_AUTH: [...settings.auth, 'none'],
			FSA_AUTH_DEFAULT: config.FSA_AUTH_DEFAULT ?? settings.authDefault
		},
		anonymous: false
	}
}

/**
 * Open Acme's store and framework under a configuration, without routes: what the service
 * and the command line share.
 */
export async function openAcme(options: AcmeOptions = {}) {
	const store = await AcmeData.open(options.db ?? ':memory:', {
		poolSize: options.poolSize,
		mustExist: options.mustExist
	})
	try {
		const { config, anonymous } = withOpenRoutes({ ...(options.config ?? DEFAULT_CONFIG) })
		// tokens survive a restart: without a configured secret, keep one in the database
		if (config.FSA_TOKEN_SECRET === undefined)
			config.FSA_TOKEN_SECRET = await store.initSetting('token_secret', randomSecret())
		const auth = registerHooks(new SimpleAuth({ name: 'acme', config }), store)
		let admin: AdminOutcome
		if (options.adminPassword !== undefined) admin = 'exists'
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
				admin = 'created'
				// an unreachable Redis does not stop the start: running instances learn of the admin
				// when their memory of it expires, or at once when they are not trusting it
				await auth.versionUncache('acme').catch(() => undefined)
			} catch (error) {
				// another instance starting at the same time created it first
				if (!(error instanceof ErrorResponse && error.status === 409)) throw error
			}
		}
		// versions kept in memory by every instance (Redis) are forgotten when they change
		store.onVersionChange = (login) => auth.versionUncache(login)
		return { auth, store, admin, anonymous }
	} catch (error) {
		await store.close()
		throw error
	}
}

/** The Acme service: store, framework and routes. */
export async function createAcme(options: AcmeOptions = {}) {
	const { auth, store, admin, anonymous } = await openAcme(options)
	const app = new Elysia().use(createRoutes(auth, store, { anonymous }))
	return { app, auth, store, admin }
}
