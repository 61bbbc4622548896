/**
 * The JWTs of this service, signed and verified through @elysiajs/jwt (jose underneath): the
 * algorithm pinned, the expiry, subject and audience required, the issuer checked, and a `jti`
 * of its own in each, so that revoking one session leaves the user's others alone.
 */
import type { KeyObject } from 'node:crypto'
import { jwt } from '@elysiajs/jwt'
import type { JWTVerifyOptions } from 'jose'
import type { TokenSettings } from '../config/settings'
import { ErrorResponse } from '../errors'
import type { TokenIdentity } from './tokens'

type Key = Uint8Array | KeyObject
/** The helper @elysiajs/jwt decorates an app with: sign and verify. */
type JwtHelper = ReturnType<typeof jwt>['decorator']['jwt']

const BASE64URL = /^[A-Za-z0-9_-]*$/
/** A token's expiry set aside, to tell an expired token from an invalid one: ten years. */
const ANY_TIME = 10 * 365 * 24 * 3600

/** A compact JWS whose three parts are canonical base64url: one spelling per token. */
export function canonicalJws(token: string): boolean {
	const parts = token.split('.')
	return (
		parts.length === 3 &&
		parts.every(
			(part) => BASE64URL.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part
		)
	)
}

export class JwtTokens {
	readonly #verifier: JwtHelper
	readonly #signer: JwtHelper | undefined

	constructor(
		readonly settings: TokenSettings,
		verifyKey: Key,
		signKey: Key | undefined
	) {
		const { algo } = settings
		this.#verifier = jwt({ secret: verifyKey, alg: algo }).decorator.jwt
		this.#signer = signKey && jwt({ secret: signKey, alg: algo, typ: 'JWT' }).decorator.jwt
	}

	/** A token for `user` in `realm` (its audience), expiring at `expires`, with `claims` (scope, ver). */
	sign(user: string, realm: string, expires: number, claims: Record<string, string>): Promise<string> {
		const jti = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url')
		return this.#signer!.sign({
			...claims,
			sub: user,
			aud: realm,
			exp: expires,
			jti,
			...(this.settings.issuer ? { iss: this.settings.issuer } : {}),
			// FlaskSimpleAuth's JWTs carry no iat: none is needed
			iat: false as unknown as number
		})
	}

	/** Check a token for a realm; throws a 401 that says why it is refused. */
	async verify(token: string, realm: string): Promise<TokenIdentity> {
		if (!canonicalJws(token)) throw new ErrorResponse('invalid jwt token', 401)
		const options: JWTVerifyOptions = {
			algorithms: [this.settings.algo],
			audience: realm,
			issuer: this.settings.issuer,
			requiredClaims: ['exp', 'sub'],
			clockTolerance: this.settings.graceMinutes * 60
		}
		const payload = await this.#verifier.verify(token, options)
		if (payload === false) throw new ErrorResponse(await this.#refusal(token, options), 401)
		if (typeof payload.sub !== 'string' || payload.sub === '')
			throw new ErrorResponse('invalid jwt token', 401)
		const identity: TokenIdentity = { user: payload.sub, expires: payload.exp as number }
		if (typeof payload.scope === 'string') identity.scopes = payload.scope.split(' ').filter(Boolean)
		if (typeof payload.ver === 'string') identity.version = payload.ver
		return identity
	}

	/**
	 * Why a token was refused: the wrapper answers false whatever failed, so an expired token is
	 * told apart as one that verifies once its expiry is set aside (FlaskSimpleAuth's messages).
	 */
	async #refusal(token: string, options: JWTVerifyOptions): Promise<string> {
		const late = await this.#verifier.verify(token, { ...options, clockTolerance: ANY_TIME })
		return late === false ? 'invalid jwt token' : 'expired jwt auth token'
	}
}
