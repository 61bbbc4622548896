/**
 * `acme token create`: a token for a user, accepted by a service running with the same
 * configuration.
 */
import { CliError, expectArgs, usage, type Values } from './parse'
import { withAcme } from './shared'

export async function tokenCommand(values: Values, [action, ...args]: string[]): Promise<void> {
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
