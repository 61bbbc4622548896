/**
 * Reading the command line: the command, its options and its positional arguments, checked
 * against what each command takes; a usage error names what is wrong and shows the usage.
 */
import { parseArgs } from 'node:util'
import { HELP } from './help'

/** A failure to report in one line with an exit code. */
export class CliError extends Error {
	constructor(
		message: string,
		readonly code: 1 | 2
	) {
		super(message)
	}
}

/** A usage error: the message, then the usage of the command. */
export const usage = (message: string, command = 'main'): never => {
	throw new CliError(`${message}\n${HELP[command]}`, 2)
}

export type Values = Record<string, string | string[] | boolean | undefined>

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
export function parse(argv: string[]): {
	command: string
	named: boolean
	values: Values
	positionals: string[]
} {
	const { tokens } = parseArgs({
		args: argv,
		options: OPTIONS,
		strict: false,
		allowPositionals: true,
		tokens: true
	})
	const positionals = tokens.flatMap((token) => (token.kind === 'positional' ? [token.value] : []))
	const first = positionals[0]
	if (first !== undefined && !(first in COMMAND_OPTIONS)) usage(`unknown command: ${first}`)
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

/** Check the positional arguments of `command` against their names; usage error naming the first wrong one. */
export function expectArgs(args: string[], names: string[], command: string, help: string): void {
	if (args.length < names.length) usage(`${command} needs ${names[args.length]}`, help)
	if (args.length > names.length) usage(`unexpected argument: ${args[names.length]}`, help)
}
