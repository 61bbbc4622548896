/**
 * The schemes of the chain by name: the built-in ones, each a module of its own, and the
 * application's custom ones; password schemes refuse a password alone where the second factor
 * hook asks for more.
 */
import { ErrorResponse } from '../errors'
import { callHook, type AppHooks } from '../hooks'
import type { Settings } from '../config/settings'
import type { MaybePromise } from '../types'
import type { RunScheme } from './chain'
import type { AuthnInput, SchemeResult, SchemeServices } from './scheme'
import { basicScheme } from './basic'
import { paramScheme } from './param'
import { tokenScheme } from './token'
import { oauthScheme } from './oauth'
import { fakeScheme } from './fake'
import { httpdScheme } from './httpd'
import { apiKeyScheme } from './apikey'
import { customScheme } from './custom'

/** What the schemes need: the framework's services, its settings and the application's hooks. */
export interface SchemeOwner extends SchemeServices {
	readonly settings: Settings
	readonly hooks: AppHooks
}

/** What a password scheme found, refused where the second factor hook wants more than a password. */
function passwordAlone(
	owner: SchemeOwner,
	found: MaybePromise<SchemeResult>,
	input: AuthnInput
): MaybePromise<SchemeResult> {
	const hook = owner.hooks.secondFactor
	// nothing found (no credentials of this kind): nothing to refuse
	if (hook === undefined || found === null) return found
	const check = (result: SchemeResult): MaybePromise<SchemeResult> => {
		if (result === null) return null
		const enough = (needed: boolean): SchemeResult => {
			if (needed !== false)
				throw new ErrorResponse('second factor required: a password alone is not enough', 401)
			return result
		}
		const needed = callHook('second factor check', owner.settings.serverError, () =>
			hook(result.user, input)
		)
		return needed instanceof Promise ? needed.then(enough) : enough(needed)
	}
	return found instanceof Promise ? found.then(check) : check(found)
}

/** The chain's runner of one scheme by name, for `owner`. */
export function runSchemes(owner: SchemeOwner): RunScheme {
	return function runScheme(scheme, input, realm) {
		switch (scheme) {
			case 'none':
				return null
			case 'basic':
				return passwordAlone(owner, basicScheme(owner, input), input)
			case 'param':
				return passwordAlone(owner, paramScheme(owner, input), input)
			case 'token':
				return tokenScheme(owner, input, realm)
			case 'oauth':
				return oauthScheme(owner, input, realm)
			case 'fake':
				return fakeScheme(owner, input)
			case 'httpd':
				return httpdScheme(owner, input)
			case 'apikey':
				return apiKeyScheme(owner, input)
			default:
				return customScheme(scheme, owner.hooks.schemes[scheme], input, owner.settings.serverError)
		}
	}
}
