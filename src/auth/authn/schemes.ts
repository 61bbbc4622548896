/**
 * The built-in authentication schemes. Each answers who the caller is, or `null` when the
 * request carries no credentials of its kind (the chain goes on), or throws a 401
 * ErrorResponse when it carries bad ones.
 */
import { ErrorResponse, maskToken, withDetail } from '../errors'
import type { Settings } from '../config/settings'
import type { TokenIdentity } from '../tokens/tokens'
import type { RequestParams } from '../params/request'
import { isLoopback, type ClientInfo } from '../http/client'
import { hasScheme, parseBasicAuthorization } from './basic'
import { extractToken } from './token'

/** What a scheme may read from a request. */
export interface AuthnInput {
	request: Request
	headers: Headers
	/** The merged request parameters; throws a 400 ErrorResponse when the body is malformed. */
	params: () => RequestParams
	client: () => ClientInfo
}

/** Who a scheme found. */
export interface Found {
	user: string
	/** oauth: the token's scopes. */
	scopes?: string[]
	/** token schemes: when the token expires (seconds since the epoch). */
	expires?: number
	/** token schemes: the token itself (for a logout); never logged. */
	token?: string
}

export type SchemeResult = Found | null

/** What the built-in schemes need from the framework. */
export interface SchemeServices {
	settings: Settings
	checkUserPassword(login: string, password: string, address?: string): Promise<void>
	verifyToken(token: string, realm: string): Promise<TokenIdentity>
	/** `checkUserPassword` when memory knows the credentials: true, else undefined. */
	credentialsNow(login: string, password: string, address?: string): true | undefined
	/** `verifyToken` when memory knows the token, else undefined. */
	verifyTokenNow(token: string, realm: string): TokenIdentity | undefined
}

/**
 * A scheme's answer from memory, without waiting: what the scheme would answer, or undefined
 * when only the scheme itself can tell (it then reaches the same answer the long way).
 */
export type SchemeResultNow = SchemeResult | undefined

function paramsOf(input: AuthnInput): RequestParams {
	try {
		return input.params()
	} catch (error) {
		// a malformed body hides the credentials: 401; a body too large stays a 413
		if (error instanceof ErrorResponse && error.status === 400)
			throw new ErrorResponse(error.message, 401)
		throw error
	}
}

export async function basicScheme(services: SchemeServices, input: AuthnInput): Promise<SchemeResult> {
	const header = input.headers.get('authorization')
	if (header === null || !hasScheme(header, 'Basic')) return null
	const credentials = parseBasicAuthorization(header)
	if (!credentials.ok) throw new ErrorResponse(credentials.reason, 401)
	try {
		await services.checkUserPassword(credentials.user, credentials.password, input.client().address)
	} catch (error) {
		throw withDetail(error, `login ${JSON.stringify(credentials.user)}`)
	}
	return { user: credentials.user }
}

/** basicScheme from memory: known credentials, or no basic credentials at all. */
export function basicSchemeNow(services: SchemeServices, input: AuthnInput): SchemeResultNow {
	const header = input.headers.get('authorization')
	if (header === null || !hasScheme(header, 'Basic')) return null
	const credentials = parseBasicAuthorization(header)
	if (!credentials.ok) return undefined
	const { user, password } = credentials
	return services.credentialsNow(user, password, input.client().address) ? { user } : undefined
}

export async function paramScheme(services: SchemeServices, input: AuthnInput): Promise<SchemeResult> {
	const { paramUser, paramPass } = services.settings
	const params = paramsOf(input)
	const login = params.getString(paramUser)
	if (login === undefined) return null
	const password = params.getString(paramPass)
	if (password === undefined) throw new ErrorResponse(`missing param password parameter: ${paramPass}`, 401)
	if (login === '') throw new ErrorResponse('invalid user or password', 401)
	try {
		await services.checkUserPassword(login, password, input.client().address)
	} catch (error) {
		throw withDetail(error, `login ${JSON.stringify(login)}`)
	}
	return { user: login }
}

export async function tokenScheme(
	services: SchemeServices,
	input: AuthnInput,
	realm: string
): Promise<SchemeResult> {
	let token: string | undefined
	try {
		token = extractToken(services.settings.token, input)
	} catch (error) {
		if (error instanceof ErrorResponse) return null
		throw error
	}
	if (token === undefined) return null
	let identity: TokenIdentity
	try {
		identity = await services.verifyToken(token, realm)
	} catch (error) {
		throw withDetail(error, `token ${maskToken(token)}`)
	}
	return { user: identity.user, expires: identity.expires, scopes: identity.scopes, token }
}

/** tokenScheme from memory: a known token, or no token at all. */
export function tokenSchemeNow(services: SchemeServices, input: AuthnInput, realm: string): SchemeResultNow {
	let token: string | undefined
	try {
		token = extractToken(services.settings.token, input)
	} catch {
		return undefined
	}
	if (token === undefined) return null
	const identity = services.verifyTokenNow(token, realm)
	if (identity === undefined) return undefined
	return { user: identity.user, expires: identity.expires, scopes: identity.scopes, token }
}

/** fake: the login from a parameter, for tests, accepted only from a loopback socket. */
export async function fakeScheme(services: SchemeServices, input: AuthnInput): Promise<SchemeResult> {
	const login = paramsOf(input).getString(services.settings.fakeLogin)
	if (login === undefined) return null
	const { socket } = input.client()
	if (socket === undefined || !isLoopback(socket))
		throw new ErrorResponse('fake authentication is local only', 401)
	if (login === '') throw new ErrorResponse('invalid fake login', 401)
	return { user: login }
}

/** httpd: the user name a trusted reverse proxy put in a header after authenticating it. */
export async function httpdScheme(services: SchemeServices, input: AuthnInput): Promise<SchemeResult> {
	const user = input.headers.get(services.settings.httpdHeader)
	if (user === null) return null
	if (!input.client().viaTrustedProxy)
		throw new ErrorResponse('httpd authentication header from an untrusted peer', 401)
	if (user === '') throw new ErrorResponse('empty httpd user', 401)
	return { user }
}
