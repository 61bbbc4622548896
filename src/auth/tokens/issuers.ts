/**
 * JWTs from the identity providers of FSA_TOKEN_ISSUERS: recognised by their `iss`, verified
 * with the issuer's published keys (jose), the algorithm pinned per issuer before any key is
 * looked up, the audience, expiry and subject required.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, errors as joseErrors } from 'jose'
import type { IssuerSettings } from '../config/issuers'
import { ErrorResponse } from '../errors'
import type { MaybePromise } from '../types'
import { JwksKeys, type JwksOptions } from './jwks'
import type { TokenIdentity } from './tokens'
import { canonicalJws } from './jwt'

/** Whether a user exists here; answers for a token's `sub` when its issuer wants local users. */
export type LocalUser = (login: string) => MaybePromise<boolean>

export interface Issuer {
	settings: IssuerSettings
	keys: JwksKeys
}

function unauthorized(message: string): ErrorResponse {
	return new ErrorResponse(message, 401)
}

/** The scopes of a token: `scope` (a space-separated string) or `scp` (a list, or a string). */
export function scopesOf(payload: Record<string, unknown>): string[] | undefined {
	const claim = payload.scope ?? payload.scp
	if (typeof claim === 'string') return claim.split(' ').filter(Boolean)
	if (Array.isArray(claim))
		return claim.filter((scope): scope is string => typeof scope === 'string' && scope !== '')
	return undefined
}

export class IssuerTokens {
	readonly #issuers = new Map<string, Issuer>()

	constructor(
		issuers: readonly IssuerSettings[],
		readonly localUser: LocalUser,
		readonly clockToleranceSeconds = 0,
		options: JwksOptions = {}
	) {
		for (const settings of issuers)
			this.#issuers.set(settings.issuer, {
				settings,
				keys: new JwksKeys(settings.issuer, settings.jwksUri, options)
			})
	}

	/** The configured issuer a token says it comes from, read before any check; undefined for others. */
	issuerOf(token: string): Issuer | undefined {
		if (this.#issuers.size === 0) return undefined
		try {
			const { iss } = decodeJwt(token)
			return typeof iss === 'string' ? this.#issuers.get(iss) : undefined
		} catch {
			return undefined
		}
	}

	/**
	 * Verify a token of `issuer`.
	 * @throws ErrorResponse 401 saying why it is refused; 503 when the issuer's keys cannot be had
	 */
	async verify(token: string, issuer: Issuer): Promise<TokenIdentity> {
		const { settings } = issuer
		if (!canonicalJws(token)) throw unauthorized('invalid jwt token')
		let algorithm: unknown
		try {
			algorithm = decodeProtectedHeader(token).alg
		} catch {
			throw unauthorized('invalid jwt token')
		}
		// "none", HMAC with a public key, any algorithm not pinned: refused before a key is sought
		if (typeof algorithm !== 'string' || !settings.algorithms.includes(algorithm))
			throw unauthorized('jwt algorithm not accepted for this issuer')
		let payload: Record<string, unknown>
		try {
			;({ payload } = await jwtVerify(token, issuer.keys.key, {
				algorithms: settings.algorithms,
				issuer: settings.issuer,
				audience: settings.audience,
				requiredClaims: ['exp', 'sub'],
				clockTolerance: this.clockToleranceSeconds
			}))
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			if (error instanceof joseErrors.JWTExpired) throw unauthorized('expired jwt auth token')
			throw unauthorized('invalid jwt token')
		}
		const user = payload.sub
		if (typeof user !== 'string' || user === '') throw unauthorized('invalid jwt token')
		if (settings.localUsers && !(await this.localUser(user)))
			throw unauthorized('no such user for auth token')
		const identity: TokenIdentity = { user, expires: payload.exp as number }
		const scopes = scopesOf(payload)
		if (scopes !== undefined) identity.scopes = scopes
		return identity
	}
}
