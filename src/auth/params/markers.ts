/**
 * What a route's `args` schema may hold besides plain TypeBox types: FlaskSimpleAuth's
 * JsonData, special parameters filled by the framework (the user, a cookie, a header, the
 * request, the token, the client's address) and casts registered by the application.
 */
import { Type as T, type TSchema, type TUnknown, type TUnsafe } from '@sinclair/typebox'
import { readCookie } from '../authn/token'

/**
 * Any JSON value; sent over HTTP as a JSON string (FlaskSimpleAuth's `JsonData`).
 * @example args: t.Object({ p: JsonData() }) // ?p=[1,2] gives [1, 2]; ?p=not-json is a 400
 */
export const JsonData = (options?: { description?: string }) => T.Unknown({ ...options, 'x-json-data': true })

/**
 * A parameter filled by the framework rather than the request: `user` (the current user),
 * `cookie` and `header` (named like the parameter, `_` read as `-` for headers), `request`,
 * or a kind registered with `auth.specialParameter`. Sent in the request, it is a 400.
 * @example args: t.Object({ agent: Special('header', t.String()), ip: Special('ip', t.String()) })
 */
export const Special = <S extends TSchema = TUnknown>(kind: string, schema?: S): S =>
	({ ...(schema ?? T.Unknown()), 'x-special': kind }) as unknown as S
/** The authenticated login (FlaskSimpleAuth's `CurrentUser`). */
export const CurrentUser = () => Special('user', T.String())
/**
 * The cookie named like the parameter; missing, its default or a 400.
 * @example args: t.Object({ theme: Cookie({ default: 'light' }) })
 */
export const Cookie = (options?: { default?: string }) => Special('cookie', T.String(options))
/**
 * The header named like the parameter, `_` read as `-`; missing, its default or a 400.
 * @example args: t.Object({ user_agent: Header() }) // the User-Agent header
 */
export const Header = (options?: { default?: string }) => Special('header', T.String(options))
// Unknown at run time (TypeBox cannot compile an Unsafe schema), typed for the handler
export const CurrentRequest = () => Special<TUnsafe<Request>>('request')
/**
 * The token that authenticated the request (token and oauth schemes); a 400 on a request
 * authenticated otherwise.
 * @example .delete('/token', ({ args }) => auth.revokeToken(args.presented), { authz: 'AUTH', authn: 'token', args: t.Object({ presented: CurrentToken() }) })
 */
export const CurrentToken = () => Special('token', T.String())
/**
 * The client's address, as the framework sees it: the socket's peer, or what a trusted proxy
 * (FSA_TRUSTED_PROXIES) reports; for throttling or logs of the application's own checks.
 * @example args: t.Object({ from: t.Optional(ClientAddress()) })
 */
export const ClientAddress = () => Special('client', T.String())

/**
 * A parameter converted by a function registered with `auth.cast(name, fn)`; a throw is a 400.
 * @example auth.cast('upper', (value) => String(value).toUpperCase()) // then args: t.Object({ code: Cast<string>('upper') })
 */
export const Cast = <V = unknown>(name: string) =>
	({ ...T.Unknown(), 'x-cast': name }) as unknown as TUnsafe<V>

/** Converts a raw parameter (a string over HTTP, any JSON value otherwise); throws when invalid. */
export type CastFunction = (value: unknown) => unknown
/** Computes a special parameter from its name and the request; undefined when absent. */
export type SpecialFunction = (name: string, context: SpecialContext) => unknown

export interface SpecialContext {
	request: Request
	user: string | null
	/** The token that authenticated the request, if one did. */
	token?: string
	/** The client's address, when it is known. */
	clientAddress?(): string | undefined
}

export interface ArgsRegistry {
	casts: ReadonlyMap<string, CastFunction>
	specials: ReadonlyMap<string, SpecialFunction>
}

export const BUILTIN_SPECIALS: Record<string, SpecialFunction> = {
	user: (_name, { user }) => user ?? undefined,
	request: (_name, { request }) => request,
	token: (_name, { token }) => token,
	client: (_name, context) => context.clientAddress?.(),
	header: (name, { request }) => request.headers.get(name.replaceAll('_', '-')) ?? undefined,
	cookie: (name, { request }) => readCookie(request.headers.get('cookie'), name)
}
