/**
 * The hooks an application registers, and the records the framework gives back.
 */
import type { Scheme } from './config/settings'
import type { AuthnInput } from './authn/scheme'

export type { AuthnInput } from './authn/scheme'
export type { Authenticated } from './authn/chain'

export type MaybePromise<T> = T | Promise<T>

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

/**
 * A value that changes whenever a user's password, groups or permissions change (a counter,
 * a timestamp): cached facts about the user are used only while it stays the same.
 */
export type UserVersion = (login: string) => MaybePromise<string | number | null | undefined>
/** Whether a password is strong enough; may throw to say why not. */
export type PasswordQuality = (password: string) => MaybePromise<boolean>
/** An alternate password check (LDAP, recovery codes), tried when the stored hash does not match. */
export type PasswordCheck = (login: string, password: string) => MaybePromise<boolean>
/**
 * Whether a user that a password scheme found needs a second factor for this request (then it
 * is a 401): true on every route but the one that starts a two-stage login.
 */
export type SecondFactor = (login: string, input: AuthnInput) => MaybePromise<boolean>
/** An API key as the application stores it: never the key itself, only its hash. */
export interface ApiKeyRecord {
	/** The user the key authenticates as. */
	user: string
	/** `hashApiKey(key)`: the SHA-256 of the key, hex. */
	hash: string
	/** The only groups a request made with the key may use, among its user's. @default [] */
	scopes?: readonly string[]
	/** When the key stops working, in seconds since the epoch; null or absent: never. */
	expires?: number | null
	/** Most requests a minute; null, absent or 0: no limit. */
	rate?: number | null
	/** A revoked key is refused at once. */
	revoked?: boolean
}
/** The stored record of an API key by its id, or null when there is none. */
export type ApiKeyLookup = (id: string) => MaybePromise<ApiKeyRecord | null | undefined>
/** Told when a key was last used: at most once a minute per key and instance. */
export type ApiKeyUsed = (id: string, at: Date) => MaybePromise<void>
/**
 * A custom authentication scheme: the login, or null when the request carries no
 * credentials of its kind; throw `ErrorResponse` (401) for bad ones.
 */
export type AuthenticationScheme = (input: AuthnInput) => MaybePromise<string | null | undefined>
/** Runs before routing; a Response returned ends the request (FSA_BEFORE_REQUEST). */
export type BeforeRequest = (request: Request) => MaybePromise<Response | undefined | void>
/** Runs on every response, which it may replace (FSA_AFTER_REQUEST). */
export type AfterRequest = (response: Response, request: Request) => MaybePromise<Response | undefined | void>
/** Runs after authentication, authorization and parameters, before the handler (`before_exec`). */
export type BeforeExec = (
	request: Request,
	login: string | null,
	schemes: readonly Scheme[]
) => MaybePromise<Response | undefined | void>
/** Checks a route at start; a message refuses it (FSA_PATH_CHECK). */
export type PathCheck = (method: string, path: string) => string | undefined | null
/** What happened to one request, for the request log; never a password, token or secret. */
export interface RequestRecord {
	/** ISO time of the end of the request. */
	ts: string
	reqid: string
	method: string
	path: string
	status: number
	/** Milliseconds from the request's arrival to its response. */
	ms: number
	user: string | null
	scheme: string | null
	/** Why the request failed (4xx, 5xx): the error message sent to the client. */
	error?: string
	/** Who tried, for failed authentications: the login, or the token masked to its last 4 characters. */
	attempt?: string
}
/** Receives one record per request (the request log). */
export type RequestLog = (record: RequestRecord) => void
/** A header value computed for each response; undefined or empty adds nothing. */
export type HeaderValue = string | ((response: Response, request: Request) => string | undefined | null)
