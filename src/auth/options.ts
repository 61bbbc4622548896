/**
 * What a SimpleAuth is made with, and what a token is made with.
 */
import type { RawConfig } from './config/settings'
import type { JwksOptions } from './tokens/jwks'
import type { AuthenticationScheme } from './types'

export interface SimpleAuthOptions<Custom extends string = never> {
	/** The application name, default realm. @default "app" */
	name?: string
	/** FlaskSimpleAuth directives (FSA_*), as read from a TOML file. */
	config: RawConfig
	/**
	 * Custom authentication schemes by name (FlaskSimpleAuth's FSA_AUTHENTICATION); enable
	 * them in FSA_AUTH like the built-in ones.
	 * @example { code: ({ headers }) => codes.get(headers.get('code') ?? '') ?? null }
	 */
	authentication?: Record<Custom, AuthenticationScheme>
	/** FSA_TOKEN_ISSUERS: how identity providers' keys are fetched (a clock for tests, the fetch timeout). */
	jwks?: JwksOptions
}

export interface TokenOptions {
	/** The realm the token is for. @default FSA_REALM */
	realm?: string
	/** Minutes until it expires. @default FSA_TOKEN_DELAY */
	delayMinutes?: number
	/** JWT only: the `scope` claim, checked by oauth routes. @default [] */
	scopes?: string[]
	/**
	 * The token the request was authenticated with (`CurrentToken()`), when the new token is
	 * made from it: the new one expires no later, so renewing never extends a session.
	 */
	presented?: string
}
