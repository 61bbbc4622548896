/**
 * The command line of the Acme executable: `serve` (the default), user management, tokens and
 * configuration checks. Exit codes: 0 success, 1 failure, 2 bad usage; failures print one line.
 */
import { parseArgs } from 'node:util'
import { ConfigError, ErrorResponse, SimpleAuth, loadConfigFile, type RawConfig } from './auth'
import { DEFAULT_CONFIG, openAcme } from './acme'
import { serve } from './serve'
import { version } from '../package.json'

const COMMON = `  --config FILE       TOML configuration of FSA_* directives (env ACME_CONFIG)
  --db DB             SQLite file, :memory:, or postgres:// URL (env ACME_DB, default acme.db)
  -h, --help          show this help`

const HELP: Record<string, string> = {
	main: `usage: acme [COMMAND] [OPTIONS]

commands:
  serve                              run the service (the default)
  user add LOGIN --email EMAIL [--admin]   add a user; the password is read from stdin
  user list                          list users and their admin flag
  user passwd LOGIN                  change a password read from stdin
  user delete LOGIN                  delete a user and their stuff
  user admin LOGIN on|off            grant or revoke the admin group
  token create LOGIN [--delay MIN]   print a token for a user
  config check [FILE]                check a configuration file

serve options:
  --port N            TCP port (env PORT, default 5000)
  --host H            address to listen on (default 0.0.0.0)
  --transport T       bun (default; GET bodies are refused) or node (keeps GET bodies)

options:
${COMMON}
  -v, --version       show the version

environment:
  ACME_PASS           password of the admin user acme, created at start when absent

Run "acme COMMAND --help" for the options of a command.`,
	serve: `usage: acme [serve] [--port N] [--host H] [--config FILE] [--db FILE] [--transport bun|node]

Runs the Acme service.

options:
  --port N            TCP port (env PORT, default 5000)
  --host H            address to listen on (default 0.0.0.0)
  --transport T       bun (default; GET bodies are refused) or node (keeps GET bodies)
${COMMON}

environment:
  ACME_PASS           password of the admin user acme, created at start when absent
  ACME_DB_POOL        PostgreSQL connections of this instance (default 10)`,
	user: `usage: acme user add LOGIN --email EMAIL [--admin] | list | passwd LOGIN | delete LOGIN | admin LOGIN on|off

Manages users; passwords are read from stdin (one line) and follow the configured rules.

options:
  --email EMAIL       email of a new user
  --admin             make the new user an admin
${COMMON}`,
	token: `usage: acme token create LOGIN [--delay MINUTES]

Prints a token for LOGIN, accepted by a service running with the same configuration.

options:
  --delay MINUTES     lifetime (default FSA_TOKEN_DELAY)
${COMMON}`,
	config: `usage: acme config check [FILE]

Checks a configuration file (FILE, --config or ACME_CONFIG) and names the bad directive.

options:
${COMMON}`
}

/** A failure to report in one line with an exit code. */
class CliError extends Error {
	constructor(
		message: string,
		readonly code: 1 | 2
	) {
		super(message)
	}
}

const usage = (message: string): never => {
	throw new CliError(message, 2)
}

type Values = Record<string, string | boolean | undefined>

function parse(argv: string[]): { values: Values; positionals: string[] } {
	try {
		return parseArgs({
			args: argv,
			options: {
				port: { type: 'string' },
				host: { type: 'string' },
				config: { type: 'string' },
				db: { type: 'string' },
				transport: { type: 'string' },
				email: { type: 'string' },
				admin: { type: 'boolean' },
				delay: { type: 'string' },
				help: { type: 'boolean', short: 'h' },
				version: { type: 'boolean', short: 'v' }
			},
			strict: true,
			allowPositionals: true
		})
	} catch (error) {
		return usage(`${(error as Error).message}\n${HELP.main}`)
	}
}

async function readConfig(values: Values, file?: string): Promise<RawConfig | undefined> {
	const path = file ?? (values.config as string | undefined) ?? process.env.ACME_CONFIG
	return path ? loadConfigFile(path) : undefined
}

function dbPath(values: Values): string {
	return (values.db as string | undefined) ?? process.env.ACME_DB ?? 'acme.db'
}

/** One line of stdin, without its end of line. */
async function readPassword(): Promise<string> {
	const line = (await Bun.stdin.text()).split(/\r?\n/, 1)[0] ?? ''
	if (line === '') throw new CliError('no password on stdin', 1)
	return line
}

async function withAcme<T>(values: Values, work: (acme: Awaited<ReturnType<typeof openAcme>>) => Promise<T>) {
	const acme = await openAcme({ config: await readConfig(values), db: dbPath(values) })
	try {
		return await work(acme)
	} finally {
		await acme.store.close()
	}
}

function expectArgs(args: string[], count: number, help: string): void {
	if (args.length !== count) usage(`wrong number of arguments\n${HELP[help]}`)
}

async function userCommand(values: Values, [action, ...args]: string[]): Promise<void> {
	const [login, flag] = args
	await withAcme(values, async ({ auth, store }) => {
		switch (action) {
			case 'add': {
				expectArgs(args, 1, 'user')
				const email = values.email as string | undefined
				if (!email) return usage('user add requires --email EMAIL')
				await store.addUser(
					login,
					await auth.hashPassword(await readPassword()),
					email,
					values.admin === true
				)
				return console.log(`user added: ${login}`)
			}
			case 'list':
				expectArgs(args, 0, 'user')
				for (const user of await store.listUsers())
					console.log(`${user.login}\t${user.email}\t${user.admin ? 'admin' : '-'}`)
				return
			case 'passwd':
				expectArgs(args, 1, 'user')
				await store.setPassword(login, await auth.hashPassword(await readPassword()))
				return console.log(`password changed: ${login}`)
			case 'delete':
				expectArgs(args, 1, 'user')
				await store.deleteUser(login)
				// with a shared cache (Redis), running instances refuse the user's tokens at once
				await auth.revokeUser(login)
				return console.log(`user deleted: ${login}`)
			case 'admin':
				expectArgs(args, 2, 'user')
				if (flag !== 'on' && flag !== 'off') usage(`user admin LOGIN takes on or off (got "${flag}")`)
				await store.setAdmin(login, flag === 'on')
				return console.log(`admin ${flag}: ${login}`)
			default:
				usage(`unknown user command: ${action ?? '(none)'}\n${HELP.user}`)
		}
	})
}

async function tokenCommand(values: Values, [action, ...args]: string[]): Promise<void> {
	if (action !== 'create') usage(`unknown token command: ${action ?? '(none)'}\n${HELP.token}`)
	expectArgs(args, 1, 'token')
	const [login] = args
	const delayText = values.delay as string | undefined
	const delayMinutes = delayText === undefined ? undefined : Number(delayText)
	if (delayMinutes !== undefined && !(delayMinutes > 0))
		usage(`--delay must be a positive number of minutes (got "${delayText}")`)
	await withAcme(values, async ({ auth, store }) => {
		if (!(await store.userExists(login))) throw new CliError(`no such user: ${login}`, 1)
		console.log(await auth.createToken(login, { delayMinutes }))
	})
}

async function configCommand(values: Values, [action, file, ...rest]: string[]): Promise<void> {
	if (action !== 'check') usage(`unknown config command: ${action ?? '(none)'}\n${HELP.config}`)
	if (rest.length > 0) usage(`config check takes at most one file\n${HELP.config}`)
	const path = file ?? (values.config as string | undefined) ?? process.env.ACME_CONFIG
	new SimpleAuth({ name: 'acme', config: (await readConfig(values, file)) ?? DEFAULT_CONFIG })
	console.log(`configuration ok: ${path ?? '(built-in)'}`)
}

async function serveCommand(values: Values, positionals: string[]): Promise<void> {
	if (positionals.length > 0) usage(`unexpected argument: ${positionals[0]}\n${HELP.serve}`)
	const portText = (values.port as string | undefined) ?? process.env.PORT ?? '5000'
	const port = Number(portText)
	if (!/^\d+$/.test(portText) || port > 65535) usage(`invalid port: ${portText}`)
	const transport = (values.transport as string | undefined) ?? 'bun'
	if (transport !== 'bun' && transport !== 'node')
		usage(`--transport must be bun or node (got "${transport}")`)
	const poolText = process.env.ACME_DB_POOL ?? '10'
	if (!/^[1-9]\d{0,3}$/.test(poolText))
		usage(`ACME_DB_POOL must be a number of connections (got "${poolText}")`)
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

const COMMANDS: Record<string, (values: Values, positionals: string[]) => Promise<void>> = {
	serve: serveCommand,
	user: userCommand,
	token: tokenCommand,
	config: configCommand
}

/** Run the command line; resolves to the exit code (serve keeps running). */
export async function run(argv: string[]): Promise<number> {
	try {
		const { values, positionals } = parse(argv)
		const [first, ...rest] = positionals
		const name =
			first !== undefined && first in COMMANDS ? first : first === undefined ? 'serve' : undefined
		if (name === undefined) usage(`unknown command: ${first}\n${HELP.main}`)
		if (values.version) {
			console.log(version)
			return 0
		}
		if (values.help) {
			console.log(first === undefined ? HELP.main : HELP[name!])
			return 0
		}
		await COMMANDS[name!](values, first === undefined ? [] : rest)
		return 0
	} catch (error) {
		if (error instanceof CliError) {
			console.error(`acme: ${error.message}`)
			return error.code
		}
		if (error instanceof ConfigError) {
			console.error(`acme: configuration error: ${error.message}`)
			return 1
		}
		if (error instanceof ErrorResponse) {
			console.error(`acme: ${error.message}`)
			return 1
		}
		throw error
	}
}
