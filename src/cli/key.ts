/**
 * `acme key`: create, list and revoke API keys; a new key is printed once, and stored only as
 * a hash.
 */
import { isApiKeyId } from '../auth'
import { issueKey } from '../acme/api-keys'
import { CliError, usage, type Values } from './parse'
import { withAcme } from './shared'

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
export async function keyCommand(values: Values, [action, ...args]: string[]): Promise<void> {
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
