/**
 * Acme's authentication and authorization hooks: password lookup, the admin group and
 * stuff ownership.
 */
import type { SimpleAuth } from '../auth'
import type { AcmeData } from './store'
import { passwordAloneRefused } from './second-factor'

export function registerHooks(auth: SimpleAuth, store: AcmeData): SimpleAuth {
	return auth
		.getUserPass((login) => store.getUserPass(login))
		.userVersion((login) => store.userVersion(login))
		.secondFactor(passwordAloneRefused(store))
		.groupCheck('admin', (login) => store.userIsAdmin(login))
		.apiKey((id) => store.keys.record(id))
		.apiKeyUsed((id, at) => store.keys.used(id, at))
		.objectPerms(
			'stuff',
			async function stuffPermission(login: string, stuff: string, role: string | null) {
				const owner = await store.getStuffOwner(stuff)
				if (owner === null) return null
				if (role === 'owner') return owner === login
				return false
			}
		)
}
