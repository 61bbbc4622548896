/**
 * `acme config check`: whether a configuration file is valid, naming the bad directive.
 */
import { SimpleAuth } from '../auth'
import { DEFAULT_CONFIG } from '../acme'
import { usage, type Values } from './parse'
import { readConfig } from './shared'

export async function configCommand(values: Values, [action, ...args]: string[]): Promise<void> {
	if (action !== 'check')
		usage(action === undefined ? 'config needs a command' : `unknown config command: ${action}`, 'config')
	if (args.length > 1) usage(`unexpected argument: ${args[1]}`, 'config')
	const [file] = args
	const path = file ?? (values.config as string | undefined) ?? (process.env.ACME_CONFIG || undefined)
	new SimpleAuth({ name: 'acme', config: (await readConfig(values, file)) ?? DEFAULT_CONFIG })
	console.log(`configuration ok: ${path ?? '(built-in)'}`)
}
