/**
 * The command line of the Acme executable: `serve` (the default), user management, tokens, API
 * keys and configuration checks. Exit codes: 0 success, 1 failure, 2 bad usage; failures print one line.
 */
import { parseArgs } from 'node:util'
import {
	ConfigError,
	ErrorResponse,
	SimpleAuth,
	formatRouteTable,
	isApiKeyId,
	loadConfigFile,
	routeTable,
	type RawConfig
} from '../auth'
import { DEFAULT_CONFIG, createAcme, openAcme } from '../acme'
import { ListenError, serve } from '../serve'
import { StoreError } from '../acme/connect'
import type { AcmeData } from '../acme/store'
import { enrol } from '../acme/second-factor'
import { issueKey } from '../acme/api-keys'
import { REDIS_TIMEOUT_MS } from '../auth/cache/cache'
import { version } from '../../package.json'

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
  user otp LOGIN [--off]             turn a second factor on (URI, QR code, backup codes) or off
  token create LOGIN [--delay MIN]   print a token for a user
  key create LOGIN [--scope NAME]... [--days N] [--rate N]   print a new API key
  key list [LOGIN]                   list API keys (never the keys)
  key revoke ID                      revoke an API key
  config check [FILE]                check a configuration file
  routes [--json]                    print every route with its authz, authn, realm and parameters

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
	user: `usage: acme user add LOGIN --email EMAIL [--admin] | list | passwd LOGIN | delete LOGIN | admin LOGIN on|off | otp LOGIN [--off]

Manages users; passwords are read from stdin (one line) and follow the configured rules.
user otp prints the otpauth:// URI, a QR code of it, then 10 one-time backup codes.

options:
  --email EMAIL       email of a new user
  --admin             make the new user an admin
  --off               user otp: turn the second factor off (a lost device); ends the user's tokens
${COMMON}`,
	token: `usage: acme token create LOGIN [--delay MINUTES]

Prints a token for LOGIN, accepted by a service running with the same configuration.

options:
  --delay MINUTES     lifetime (default FSA_TOKEN_DELAY)
${COMMON}`,
	key: `usage: acme key create LOGIN [--scope NAME]... [--days N] [--rate N] | list [LOGIN] | revoke ID

Manages API keys. key create prints the key alone on the first line: it is shown once, and
stored only as a hash. key list prints id, login, scopes, creation, expiry and last use.

options:
  --scope NAME        a group the key holds, among its user's (admin); repeat for more
  --days N            days until the key expires (default: never)
  --rate N            most requests a minute (default: no limit)
${COMMON}`,
	config: `usage: acme config check [FILE]

Checks a configuration file (FILE, --config or ACME_CONFIG) and names the bad directive.

options:
${COMMON}`,
	routes: `usage: acme routes [--json] [--config FILE]

Prints every route of the service under a configuration (FILE, --config or ACME_CONFIG): its
method, path, authorization, schemes tried (the route's authn or FSA_AUTH_DEFAULT), realm and
parameters, one route a line, or as a JSON array with --json. Reads no database.

options:
  --json              print a JSON array of routes
  --config FILE       TOML configuration of FSA_* directives (env ACME_CONFIG)
  -h, --help          show this help`
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

/** A usage error: the message, then the usage of the command. */
const usage = (message: string, command = 'main'): never => {
	throw new CliError(`${message}\n${HELP[command]}`, 2)
}

type Values = Record<string, string | string[] | boolean | undefined>

const OPTIONS = {
	port: { type: 'string' },
	host: { type: 'string' },
	config: { type: 'string' },
	db: { type: 'string' },
	transport: { type: 'string' },
	email: { type: 'string' },
	admin: { type: 'boolean' },
	off: { type: 'boolean' },
	delay: { type: 'string' },
	scope: { type: 'string', multiple: true },
	days: { type: 'string' },
	rate: { type: 'string' },
	json: { type: 'boolean' },
	help: { type: 'boolean', short: 'h' },
	version: { type: 'boolean', short: 'v' }
} as const

type OptionName = keyof typeof OPTIONS

/** The options of each command, besides --config, --db, --help and --version. */
const COMMAND_OPTIONS: Record<string, readonly OptionName[]> = {
	serve: ['port', 'host', 'transport'],
	user: ['email', 'admin', 'off'],
	token: ['delay'],
	key: ['scope', 'days', 'rate'],
	config: [],
	routes: ['json']
}
const COMMON_OPTIONS: readonly OptionName[] = ['config', 'db', 'help', 'version']
/** Commands that read no database, where --db would be silently ignored. */
const WITHOUT_DATABASE = new Set(['routes'])

/** Option spellings, so that `--email --admin` is a missing value and not an email. */
const OPTION_WORDS = new Set(
	Object.entries(OPTIONS).flatMap(([name, option]) => [
		`--${name}`,
		...('short' in option ? [`-${option.short}`] : [])
	])
)

/**
 * The command, its options and positional arguments. `--opt value` and `--opt=value` are the
 * same; an unknown option, an option of another command, a missing value or a value given to a
 * flag is a usage error that names it and shows the usage of the command.
 */
function parse(argv: string[]): { command: string; named: boolean; values: Values; positionals: string[] } {
	const { tokens } = parseArgs({
		args: argv,
		options: OPTIONS,
		strict: false,
		allowPositionals: true,
		tokens: true
	})
	const positionals = tokens.flatMap((token) => (token.kind === 'positional' ? [token.value] : []))
	const first = positionals[0]
	if (first !== undefined && !(first in COMMANDS)) usage(`unknown command: ${first}`)
	const command = first ?? 'serve'
	const allowed = [
		...COMMON_OPTIONS.filter((name) => name !== 'db' || !WITHOUT_DATABASE.has(command)),
		...COMMAND_OPTIONS[command]
	]
	const values: Values = {}
	for (const token of tokens) {
		if (token.kind !== 'option') continue
		const name = token.name as OptionName
		if (!(name in OPTIONS)) usage(`unknown option: ${token.rawName}`, command)
		if (!allowed.includes(name)) usage(`${token.rawName} is not an option of acme ${command}`, command)
		if (OPTIONS[name].type === 'boolean') {
			if (token.value !== undefined) usage(`${token.rawName} takes no value`, command)
			values[name] = true
		} else {
			const value = token.value
			if (value === undefined || value === '' || (!token.inlineValue && OPTION_WORDS.has(value)))
				usage(`${token.rawName} needs a value`, command)
			values[name] =
				'multiple' in OPTIONS[name]
					? [...((values[name] as string[] | undefined) ?? []), value!]
					: value
		}
	}
	return { command, named: first !== undefined, values, positionals: positionals.slice(1) }
}

async function readConfig(values: Values, file?: string): Promise<RawConfig | undefined> {
	const path = file ?? (values.config as string | undefined) ?? (process.env.ACME_CONFIG || undefined)
	return path ? loadConfigFile(path) : undefined
}

function dbPath(values: Values): string {
	return (values.db as string | undefined) ?? (process.env.ACME_DB || 'acme.db')
}

/** One line of stdin, without its end of line. */
async function readPassword(): Promise<string> {
	const line = (await Bun.stdin.text()).split(/\r?\n/, 1)[0] ?? ''
	if (line === '') throw new CliError('no password on stdin', 1)
	return line
}

/** Run `work` on the service's data; only `user add` may create the database file. */
async function withAcme<T>(
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
async function mustReachInstances(auth: SimpleAuth): Promise<void> {
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

/** Check the positional arguments of `command` against their names; usage error naming the first wrong one. */
function expectArgs(args: string[], names: string[], command: string, help: string): void {
	if (args.length < names.length) usage(`${command} needs ${names[args.length]}`, help)
	if (args.length > names.length) usage(`unexpected argument: ${args[names.length]}`, help)
}

const USER_ARGS: Record<string, string[]> = {
	add: ['LOGIN'],
	list: [],
	passwd: ['LOGIN'],
	delete: ['LOGIN'],
	admin: ['LOGIN', 'on|off'],
	otp: ['LOGIN']
}

async function userCommand(values: Values, [action, ...args]: string[]): Promise<void> {
	if (action === undefined || !(action in USER_ARGS))
		usage(action === undefined ? 'user needs a command' : `unknown user command: ${action}`, 'user')
	expectArgs(args, USER_ARGS[action], `user ${action}`, 'user')
	const [login, flag] = args
	const email = values.email as string | undefined
	if (action === 'add' && email === undefined) usage('user add needs --email EMAIL', 'user')
	if (action !== 'add' && (email !== undefined || values.admin))
		usage(`--email and --admin are options of user add only`, 'user')
	if (action !== 'otp' && values.off) usage('--off is an option of user otp only', 'user')
	if (action === 'admin' && flag !== 'on' && flag !== 'off')
		usage(`user admin LOGIN takes on or off (got "${flag}")`, 'user')
	await withAcme(
		values,
		async ({ auth, store }) => {
			if (action !== 'list') await mustReachInstances(auth)
			switch (action) {
				case 'add':
					await store.addUser(
						login,
						await auth.hashPassword(await readPassword()),
						email!,
						values.admin === true
					)
					return console.log(`user added: ${login}`)
				case 'list':
					for (const user of await store.listUsers())
						console.log(
							`${user.login}\t${user.email}\t${user.admin ? 'admin' : '-'}\t${user.otp ? 'otp' : '-'}`
						)
					return
				case 'passwd':
					await store.setPassword(login, await auth.hashPassword(await readPassword()))
					return console.log(`password changed: ${login}`)
				case 'delete':
					await store.deleteUser(login)
					// with a shared cache (Redis), running instances refuse the user's tokens at once
					await auth.revokeUser(login)
					return console.log(`user deleted: ${login}`)
				case 'admin':
					await store.setAdmin(login, flag === 'on')
					return console.log(`admin ${flag}: ${login}`)
				case 'otp':
					return userOtp(auth, store, login, values.off === true)
			}
		},
		{ create: action === 'add' }
	)
}

/**
 * `user otp LOGIN`: turn on (or replace) a user's second factor, printing the otpauth:// URI on
 * the first line, its QR code, then the backup codes one a line; `--off` turns it off.
 */
async function userOtp(auth: SimpleAuth, store: AcmeData, login: string, off: boolean): Promise<void> {
	if (off) {
		if (!(await store.otp.disable(login))) throw new CliError(`no second factor: ${login}`, 1)
		// with a shared cache (Redis), running instances refuse the user's tokens at once
		await auth.revokeUser(login)
		return console.log(`second factor off: ${login}`)
	}
	const { uri, backup_codes } = await enrol(store, login)
	console.log(uri)
	// the QR code library only for this command: every start would load it
	const { default: QRCode } = await import('qrcode')
	console.log(await QRCode.toString(uri, { type: 'utf8' }))
	for (const code of backup_codes) console.log(code)
}

async function tokenCommand(values: Values, [action, ...args]: string[]): Promise<void> {
	if (action !== 'create')
		usage(action === undefined ? 'token needs a command' : `unknown token command: ${action}`, 'token')
	expectArgs(args, ['LOGIN'], 'token create', 'token')
	const [login] = args
	const delayText = values.delay as string | undefined
	const delayMinutes = delayText === undefined ? undefined : Number(delayText)
	if (delayMinutes !== undefined && !(delayMinutes > 0 && Number.isFinite(delayMinutes)))
		usage(`--delay must be a positive number of minutes (got "${delayText}")`, 'token')
	await withAcme(values, async ({ auth, store }) => {
		if (!(await store.userExists(login))) throw new CliError(`no such user: ${login}`, 1)
		console.log(await auth.createToken(login, { delayMinutes }))
	})
}

const KEY_ARGS: Record<string, { required: string[]; optional?: string }> = {
	create: { required: ['LOGIN'] },
	list: { required: [], optional: 'LOGIN' },
	revoke: { required: ['ID'] }
}

/** A whole number option of `key create`, or undefined when absent. */
function countOption(values: Values, name: 'days' | 'rate', what: string): number | undefined {
	const text = values[name] as string | undefined
	if (text === undefined) return undefined
	if (!/^[1-9]\d{0,6}$/.test(text))
		usage(`--${name} must be a whole number of ${what} (got "${text}")`, 'key')
	return Number(text)
}

const isoTime = (seconds: number | null) =>
	seconds === null ? '-' : new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z')

async function keyCommand(values: Values, [action, ...args]: string[]): Promise<void> {
	if (action === undefined || !(action in KEY_ARGS))
		usage(action === undefined ? 'key needs a command' : `unknown key command: ${action}`, 'key')
	const { required, optional } = KEY_ARGS[action]
	if (args.length < required.length) usage(`key ${action} needs ${required[args.length]}`, 'key')
	if (args.length > required.length + (optional ? 1 : 0))
		usage(`unexpected argument: ${args[required.length + (optional ? 1 : 0)]}`, 'key')
	if (action !== 'create' && (values.scope || values.days || values.rate))
		usage('--scope, --days and --rate are options of key create only', 'key')
	const days = countOption(values, 'days', 'days')
	const rate = countOption(values, 'rate', 'requests a minute')
	const [first] = args
	if (action === 'revoke' && !isApiKeyId(first)) throw new CliError(`no such API key: ${first}`, 1)
	await withAcme(values, async ({ auth, store }) => {
		switch (action) {
			case 'create': {
				const scopes = (values.scope as string[] | undefined) ?? []
				const { id, key } = await issueKey(auth, store, first, { scopes, days, rate })
				console.log(key)
				return console.log(`key created: ${id} for ${first}; it is shown only once`)
			}
			case 'list':
				if (first !== undefined && !(await store.userExists(first)))
					throw new CliError(`no such user: ${first}`, 1)
				for (const row of await store.keys.list(first))
					console.log(
						[
							row.id,
							row.login,
							row.scopes.join(',') || '-',
							isoTime(row.created),
							isoTime(row.expires),
							isoTime(row.last_used)
						].join('\t')
					)
				return
			case 'revoke':
				if (!(await store.keys.revoke(first))) throw new CliError(`no such API key: ${first}`, 1)
				return console.log(`key revoked: ${first}`)
		}
	})
}

async function configCommand(values: Values, [action, ...args]: string[]): Promise<void> {
	if (action !== 'check')
		usage(action === undefined ? 'config needs a command' : `unknown config command: ${action}`, 'config')
	if (args.length > 1) usage(`unexpected argument: ${args[1]}`, 'config')
	const [file] = args
	const path = file ?? (values.config as string | undefined) ?? (process.env.ACME_CONFIG || undefined)
	new SimpleAuth({ name: 'acme', config: (await readConfig(values, file)) ?? DEFAULT_CONFIG })
	console.log(`configuration ok: ${path ?? '(built-in)'}`)
}

async function routesCommand(values: Values, positionals: string[]): Promise<void> {
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

async function serveCommand(values: Values, positionals: string[]): Promise<void> {
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

const COMMANDS: Record<string, (values: Values, positionals: string[]) => Promise<void>> = {
	serve: serveCommand,
	user: userCommand,
	token: tokenCommand,
	key: keyCommand,
	config: configCommand,
	routes: routesCommand
}

/** Run the command line; resolves to the exit code (serve keeps running). */
export async function run(argv: string[]): Promise<number> {
	try {
		const { command, named, values, positionals } = parse(argv)
		if (values.version) {
			console.log(version)
			return 0
		}
		if (values.help) {
			console.log(named ? HELP[command] : HELP.main)
			return 0
		}
		await COMMANDS[command](values, positionals)
		return 0
	} catch (error) {
		console.error(`acme: ${failureLine(error)}`)
		return error instanceof CliError ? error.code : 1
	}
}

/** What to tell the operator about a failure: one line (a usage error adds the usage). */
function failureLine(error: unknown): string {
	if (error instanceof ConfigError) return `configuration error: ${error.message}`
	if (error instanceof CliError || error instanceof ErrorResponse) return error.message
	if (error instanceof StoreError || error instanceof ListenError) return error.message
	// anything else is a bug, still told in one line: the message, not a stack trace
	const message = error instanceof Error ? error.message : String(error)
	return `unexpected error: ${message.split('\n', 1)[0]}`
}
