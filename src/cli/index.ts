/**
 * The command line of the Acme executable: `serve` (the default), user management, tokens, API
 * keys and configuration checks. Exit codes: 0 success, 1 failure, 2 bad usage; failures print one line.
 * Each command group has its file here; parse.ts reads the command line, help.ts holds the usage.
 */
import { ConfigError, ErrorResponse } from '../auth'
import { ListenError } from '../serve'
import { StoreError } from '../acme/connect'
import { version } from '../../package.json'
import { HELP } from './help'
import { CliError, parse, type Values } from './parse'
import { serveCommand } from './serve'
import { userCommand } from './user'
import { tokenCommand } from './token'
import { keyCommand } from './key'
import { configCommand } from './config'
import { routesCommand } from './routes'

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
