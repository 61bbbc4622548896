/**
 * `acme user`: add, list, change the password of, delete users, grant or revoke the admin
 * group, and turn a second factor on or off.
 */
import type { SimpleAuth } from '../auth'
import type { AcmeData } from '../acme/store'
import { enrol } from '../acme/second-factor'
import { CliError, expectArgs, usage, type Values } from './parse'
import { mustReachInstances, readPassword, withAcme } from './shared'

const USER_ARGS: Record<string, string[]> = {
	add: ['LOGIN'],
	list: [],
	passwd: ['LOGIN'],
	delete: ['LOGIN'],
	admin: ['LOGIN', 'on|off'],
	otp: ['LOGIN']
}

export async function userCommand(values: Values, [action, ...args]: string[]): Promise<void> {
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
