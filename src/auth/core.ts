/**
 * The framework's logic, free of any HTTP server: settings, registered hooks, the
 * authentication chain, group and object permission checks, tokens and passwords.
 */
import { parseSettings, type RawConfig, type Scheme, type Settings } from './config'
import { ErrorResponse } from './errors'
import { PasswordManager } from './passwords'
import { TokenManager } from './tokens'
import { parseBasicAuthorization } from './authn/basic'
import { extractToken } from './authn/token'
import type { Permission } from './authz'
import type { RequestParams } from './request'

type MaybePromise<T> = T | Promise<T>

/** Returns the stored password hash of a login, or null when there is no such user. */
export type GetUserPass = (login: string) => MaybePromise<string | null | undefined>
/** Whether a user belongs to a group. */
export type GroupCheck = (login: string) => MaybePromise<boolean>
/** Whether a user belongs to a group, for any group. */
export type UserInGroup = (login: string, group: string) => MaybePromise<boolean>
/** true: allowed; false: 403; null or undefined: the object does not exist (404). */
export type ObjectPermission = (
	login: string,
	...valuesThenMode: any[]
) => MaybePromise<boolean | null | undefined>

/** What the authentication chain needs from a request. */
export interface AuthnInput {
	headers: Headers
	/** The merged request parameters; throws a 400 ErrorResponse when the body is malformed. */
	params: () => RequestParams
}

export interface Authenticated {
	user: string
	scheme: Scheme
}

/** A scheme found no credentials of its kind: the chain goes on. */
const MISSING = null

export interface SimpleAuthOptions {
	/** The application name, default realm. @default "app" */
	name?: string
	/** FlaskSimpleAuth directives (FSA_*), as read from a TOML file. */
	config: RawConfig
}

export class SimpleAuth {
	readonly settings: Settings
	readonly tokens: TokenManager
	readonly passwords: PasswordManager
	#getUserPass: GetUserPass | undefined
	#userInGroup: UserInGroup | undefined
	readonly #groups = new Map<string, GroupCheck>()
	readonly #domains = new Map<string, ObjectPermission>()

	constructor(options: SimpleAuthOptions) {
		this.settings = parseSettings(options.config, options.name)
		this.tokens = new TokenManager(this.settings.token)
		this.passwords = new PasswordManager(this.settings.password)
	}

	/** Register the hook that returns a user's password hash (FlaskSimpleAuth's `get_user_pass`). */
	getUserPass(hook: GetUserPass): this {
		this.#getUserPass = hook
		return this
	}

	/** Register the checker of one group (FlaskSimpleAuth's `group_check`). */
	groupCheck(group: string, hook: GroupCheck): this {
		this.#groups.set(group, hook)
		return this
	}

	/** Register a checker for every group without one of its own (`user_in_group`). */
	userInGroup(hook: UserInGroup): this {
		this.#userInGroup = hook
		return this
	}

	/** Register the object permission checker of a domain (`object_perms`). */
	objectPerms(domain: string, hook: ObjectPermission): this {
		this.#domains.set(domain, hook)
		return this
	}

	hasGroup(group: string): boolean {
		return this.#groups.has(group) || this.#userInGroup !== undefined
	}

	hasDomain(domain: string): boolean {
		return this.#domains.has(domain)
	}

	/** Hash a password after checking FSA_PASSWORD_LENGTH and FSA_PASSWORD_RE (400 when weak). */
	hashPassword(password: string): Promise<string> {
		return this.passwords.hash(password)
	}

	/** Create a token for a user (FlaskSimpleAuth's `create_token`). */
	createToken(user: string, options: { realm?: string; delayMinutes?: number } = {}): Promise<string> {
		return this.tokens.create(user, options.realm ?? this.settings.realm, options.delayMinutes)
	}

	/** Check a login and password against the stored hash; throws 401 when they do not match. */
	async checkUserPassword(login: string, password: string): Promise<void> {
		if (!this.#getUserPass)
			throw new ErrorResponse(
				'no get_user_pass hook for password authentication',
				this.settings.serverError
			)
		let stored: unknown
		try {
			stored = await this.#getUserPass(login)
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error('get_user_pass failed:', error)
			throw new ErrorResponse('internal error in get_user_pass', this.settings.serverError)
		}
		if (stored === null || stored === undefined || stored === '') {
			await this.passwords.verifyNothing(password)
			throw new ErrorResponse('invalid user or password', 401)
		}
		if (typeof stored !== 'string')
			throw new ErrorResponse('internal error with get_user_pass', this.settings.serverError)
		if (!(await this.passwords.verify(password, stored)))
			throw new ErrorResponse('invalid user or password', 401)
	}

	async #basic(input: AuthnInput): Promise<string | null> {
		const header = input.headers.get('authorization')
		if (header === null || !/^basic /i.test(header)) return MISSING
		const credentials = parseBasicAuthorization(header)
		if (!credentials.ok) throw new ErrorResponse(credentials.reason, 401)
		await this.checkUserPassword(credentials.user, credentials.password)
		return credentials.user
	}

	async #param(input: AuthnInput): Promise<string | null> {
		const { paramUser, paramPass } = this.settings
		let params: RequestParams
		try {
			params = input.params()
		} catch (error) {
			if (error instanceof ErrorResponse) throw new ErrorResponse(error.message, 401)
			throw error
		}
		const login = params.getString(paramUser)
		if (login === undefined) return MISSING
		const password = params.getString(paramPass)
		if (password === undefined)
			throw new ErrorResponse(`missing param password parameter: ${paramPass}`, 401)
		if (login === '') throw new ErrorResponse('invalid user or password', 401)
		await this.checkUserPassword(login, password)
		return login
	}

	async #token(input: AuthnInput, realm: string): Promise<string | null> {
		let token: string | undefined
		try {
			token = extractToken(this.settings.token, input.headers, input.params)
		} catch (error) {
			if (error instanceof ErrorResponse) return MISSING
			throw error
		}
		if (token === undefined) return MISSING
		return (await this.tokens.verify(token, realm)).user
	}

	/**
	 * Try the schemes in order; the first that finds valid credentials wins.
	 * @throws ErrorResponse 401: the reason given by the first scheme that found bad credentials,
	 * or "missing authentication" when none found any
	 */
	async authenticate(
		input: AuthnInput,
		schemes: readonly Scheme[],
		realm = this.settings.realm
	): Promise<Authenticated> {
		let failure: ErrorResponse | undefined
		for (const scheme of schemes) {
			let user: string | null
			try {
				if (scheme === 'basic') user = await this.#basic(input)
				else if (scheme === 'param') user = await this.#param(input)
				else if (scheme === 'token') user = await this.#token(input, realm)
				else continue
			} catch (error) {
				if (!(error instanceof ErrorResponse)) throw error
				if (error.status !== 401) throw error
				failure ??= error
				continue
			}
			if (user !== MISSING) return { user, scheme }
		}
		throw failure ?? new ErrorResponse('missing authentication', 401)
	}

	/** Check every group of a route; 403 for the first the user is not in. */
	async checkGroups(user: string, groups: readonly string[]): Promise<void> {
		for (const group of groups) {
			const own = this.#groups.get(group)
			let allowed: unknown
			try {
				allowed = own ? await own(user) : await this.#userInGroup!(user, group)
			} catch (error) {
				if (error instanceof ErrorResponse) throw error
				console.error(`group check for ${group} failed:`, error)
				throw new ErrorResponse(
					`internal error while checking group ${group}`,
					this.settings.serverError
				)
			}
			if (typeof allowed !== 'boolean')
				throw new ErrorResponse(
					`internal error in group check for ${group}`,
					this.settings.serverError
				)
			if (!allowed) throw new ErrorResponse(`not in group "${group}"`, 403)
		}
	}

	/** Check object permissions: null means no such object (FSA_NOT_FOUND_ERROR), false 403. */
	async checkPermission(user: string, permission: Permission, values: unknown[]): Promise<void> {
		const checker = this.#domains.get(permission.domain)!
		let allowed: unknown
		try {
			allowed = await checker(user, ...values, permission.mode)
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			console.error(`permission check on ${permission.domain} failed:`, error)
			throw new ErrorResponse('internal error in permission check', this.settings.serverError)
		}
		if (allowed === null || allowed === undefined)
			throw new ErrorResponse('object not found', this.settings.notFoundError)
		if (typeof allowed !== 'boolean')
			throw new ErrorResponse('internal error with permission check', this.settings.serverError)
		if (!allowed)
			throw new ErrorResponse(
				`permission denied on ${permission.domain} (${permission.mode ?? 'none'})`,
				403
			)
	}
}
