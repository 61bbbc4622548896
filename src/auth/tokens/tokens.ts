/**
 * Tokens: FlaskSimpleAuth's own `fsa` format, byte for byte, and JWT through jose with the
 * algorithm pinned and the expiry, subject and audience required.
 */
import type { KeyObject } from 'node:crypto'
import { sameSecret } from './secrets'
import { SignJWT, decodeJwt, jwtVerify, errors as joseErrors } from 'jose'
import type { TokenSettings } from '../config/settings'
import { ConfigError, ErrorResponse } from '../errors'

/** A verified token: who it is for and when it expires (seconds since the epoch). */
export interface TokenIdentity {
	user: string
	expires: number
	/** JWT `scope` claim, split on spaces (oauth). */
	scopes?: string[]
	/** The user's version the token was made for, when tokens are bound to it. */
	version?: string
}

/**
 * The current version of a user, which a bound token must have been made for; null when there
 * is no such user. A token's signature (fsa) or `ver` claim (JWT) carries it, so that a changed
 * password, a deleted user or a re-created login leaves no valid token behind.
 */
export type TokenVersion = (user: string) => string | null | Promise<string | null>

/** The realm as fsa tokens write it: characters outside [-A-Za-z0-9] become "-", runs collapse, ends trimmed. */
export function simplifyRealm(realm: string): string {
	return realm
		.replace(/[^-A-Za-z0-9]/g, '-')
		.replace(/-+/g, '-')
		.replace(/^-|-$/g, '')
}

/** `YYYYMMDDHHmmSS` in UTC. */
export function formatLimit(epochSeconds: number): string {
	return new Date(Math.floor(epochSeconds) * 1000).toISOString().replace(/[-T:]/g, '').slice(0, 14)
}

/** Parse a 14-digit UTC limit strictly; undefined when it is not a real instant. */
export function parseLimit(limit: string): number | undefined {
	const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(limit)
	if (!match) return undefined
	const [year, month, day, hour, minute, second] = match.slice(1).map(Number)
	const ms = Date.UTC(year, month - 1, day, hour, minute, second)
	// Date.UTC rolls month 13 into the next year: refuse anything that does not round-trip
	if (formatLimit(ms / 1000) !== limit) return undefined
	return ms / 1000
}

export function fsaSignature(data: string, secret: string, algo: string, length: number): string {
	const hasher = new Bun.CryptoHasher(algo as Bun.SupportedCryptoAlgorithms)
	hasher.update(`${data}:${secret}`)
	return Buffer.from(hasher.digest()).subarray(0, length).toString('hex')
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * Whether a JWS compact token is spelled canonically: a base64url character whose unused low
 * bits are set decodes like the canonical one, so one token would have several accepted spellings.
 */
export function canonicalJws(token: string): boolean {
	const parts = token.split('.')
	return (
		parts.length === 3 &&
		parts.every(
			(part) => BASE64URL.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part
		)
	)
}

function unauthorized(message: string): ErrorResponse {
	return new ErrorResponse(message, 401)
}

/** The key types (and EC curves) each asymmetric JWT algorithm family can use. */
function fitsAlgorithm(key: KeyObject, algo: string): boolean {
	const type = key.asymmetricKeyType
	if (algo.startsWith('RS')) return type === 'rsa'
	if (algo.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss'
	if (algo.startsWith('ES'))
		return (
			type === 'ec' &&
			key.asymmetricKeyDetails?.namedCurve ===
				{ ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }[algo]
		)
	return type === 'ed25519' || type === 'ed448' // EdDSA
}

/** node:crypto, loaded for asymmetric JWT keys only: with node:stream it costs a start ms. */
const nodeCrypto = () => process.getBuiltinModule('node:crypto')

function importKey(name: string, pem: string, kind: 'public' | 'private', algo: string): KeyObject {
	let key: KeyObject
	try {
		key = kind === 'public' ? nodeCrypto().createPublicKey(pem) : nodeCrypto().createPrivateKey(pem)
	} catch {
		throw new ConfigError(`${name} must be a PEM ${kind} key for ${algo}`)
	}
	// a key of another type would only fail when the first token is signed or verified
	if (!fitsAlgorithm(key, algo)) throw new ConfigError(`${name} must be a PEM ${kind} key for ${algo}`)
	return key
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
	const der = (key: KeyObject) => key.export({ type: 'spki', format: 'der' })
	return der(a).equals(der(b))
}

export class TokenManager {
	readonly #verifyKey: Uint8Array | KeyObject
	readonly #signKey: Uint8Array | KeyObject | undefined

	constructor(readonly settings: TokenSettings) {
		if (settings.type === 'jwt' && !settings.algo.startsWith('HS')) {
			this.#verifyKey = importKey('FSA_TOKEN_SECRET', settings.secret, 'public', settings.algo)
			this.#signKey = settings.sign
				? importKey('FSA_TOKEN_SIGN', settings.sign, 'private', settings.algo)
				: undefined
			if (this.#signKey && !samePublicKey(nodeCrypto().createPublicKey(this.#signKey), this.#verifyKey))
				throw new ConfigError(
					'FSA_TOKEN_SIGN must be the private key of the FSA_TOKEN_SECRET public key'
				)
		} else {
			this.#verifyKey = new TextEncoder().encode(settings.secret)
			this.#signKey = this.#verifyKey
		}
	}

	/** Whether this service can create tokens (asymmetric JWT needs FSA_TOKEN_SIGN). */
	get canCreate(): boolean {
		return this.settings.type !== null && this.#signKey !== undefined
	}

	/** The realm written into fsa tokens for a route realm. */
	fsaRealm(realm: string): string {
		const simple = simplifyRealm(realm)
		return this.settings.issuer ? `${simple}/${this.settings.issuer}` : simple
	}

	/** fsa: the secret of a token's signature, the user's version appended when tokens are bound. */
	#fsaSecret(version: string | undefined): string {
		return version === undefined ? this.settings.secret : `${this.settings.secret}:${version}`
	}

	/**
	 * Create a token for a user, valid `delayMinutes` (default FSA_TOKEN_DELAY) but never past
	 * `notAfter` (seconds since the epoch), bound to the user's `version` when given (then no
	 * longer FlaskSimpleAuth's own fsa token). A JWT carries a `jti` of its own, so that revoking
	 * it leaves the user's other tokens alone.
	 */
	async create(
		user: string,
		realm: string,
		delayMinutes = this.settings.delayMinutes,
		scopes: readonly string[] = [],
		version?: string,
		notAfter?: number
	): Promise<string> {
		if (user.includes(':')) throw new ErrorResponse('a token user cannot contain ":"', 400)
		if (!this.canCreate) throw new ErrorResponse('this service cannot create tokens', 500)
		let expires = Math.floor(Date.now() / 1000 + delayMinutes * 60)
		if (notAfter !== undefined) expires = Math.min(expires, Math.floor(notAfter))
		if (this.settings.type === 'jwt') {
			const claims: Record<string, string> = {}
			if (scopes.length > 0) claims.scope = scopes.join(' ')
			if (version !== undefined) claims.ver = version
			const jwt = new SignJWT(claims)
				.setProtectedHeader({ alg: this.settings.algo, typ: 'JWT' })
				.setSubject(user)
				.setAudience(realm)
				.setExpirationTime(expires)
				.setJti(Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url'))
			if (this.settings.issuer) jwt.setIssuer(this.settings.issuer)
			return jwt.sign(this.#signKey!)
		}
		const data = `${this.fsaRealm(realm)}:${user}:${formatLimit(expires)}`
		return `${data}:${fsaSignature(data, this.#fsaSecret(version), this.settings.algo, this.settings.length)}`
	}

	/**
	 * When a token says it expires (seconds since the epoch), read without checking it: to make a
	 * token from another that expires no later. Either format (an oauth JWT beside fsa tokens);
	 * undefined when it says nothing readable.
	 */
	expiresOf(token: string): number | undefined {
		const parts = token.split(':')
		if (parts.length === 4) return parseLimit(parts[2])
		try {
			const { exp } = decodeJwt(token)
			return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined
		} catch {
			return undefined
		}
	}

	/**
	 * Check a token for a realm; throws a 401 ErrorResponse that says why it is refused. With
	 * `version`, the token must be bound to the user's current version.
	 */
	async verify(token: string, realm: string, version?: TokenVersion): Promise<TokenIdentity> {
		if (this.settings.type === 'jwt') {
			const identity = await this.verifyJwt(token, realm)
			if (version === undefined) return identity
			const current = await version(identity.user)
			if (current === null) throw unauthorized('no such user for auth token')
			if (identity.version === undefined || !sameSecret(identity.version, current))
				throw unauthorized('revoked auth token')
			return identity
		}
		if (version === undefined) return this.verifyFsa(token, realm)
		// the user's version is part of the signature: an unknown user's token fails like a forgery
		const parts = token.split(':')
		const current = parts.length === 4 ? await version(parts[1]) : null
		return this.verifyFsa(token, realm, current ?? '')
	}

	/** Check an fsa token; with `version`, its signature must be that of a token bound to it. */
	verifyFsa(token: string, realm: string, version?: string): TokenIdentity {
		const parts = token.split(':')
		if (parts.length !== 4) throw unauthorized('invalid fsa token')
		const [tokenRealm, user, limit, signature] = parts
		const expires = parseLimit(limit)
		if (expires === undefined) throw unauthorized('unexpected fsa token limit')
		if (!sameSecret(tokenRealm, this.fsaRealm(realm))) throw unauthorized('unexpected fsa token realm')
		const expected = fsaSignature(
			`${tokenRealm}:${user}:${limit}`,
			this.#fsaSecret(version),
			this.settings.algo,
			this.settings.length
		)
		if (!sameSecret(signature, expected)) throw unauthorized('invalid fsa auth token signature')
		if (user === '') throw unauthorized('invalid fsa token')
		if (Date.now() / 1000 - this.settings.graceMinutes * 60 > expires)
			throw unauthorized('expired fsa auth token')
		return version === undefined ? { user, expires } : { user, expires, version }
	}

	async verifyJwt(token: string, realm: string): Promise<TokenIdentity> {
		if (!canonicalJws(token)) throw unauthorized('invalid jwt token')
		try {
			const { payload } = await jwtVerify(token, this.#verifyKey, {
				algorithms: [this.settings.algo],
				audience: realm,
				issuer: this.settings.issuer,
				requiredClaims: ['exp', 'sub'],
				clockTolerance: this.settings.graceMinutes * 60
			})
			if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('invalid jwt token')
			const identity: TokenIdentity = { user: payload.sub, expires: payload.exp as number }
			if (typeof payload.scope === 'string') identity.scopes = payload.scope.split(' ').filter(Boolean)
			if (typeof payload.ver === 'string') identity.version = payload.ver
			return identity
		} catch (error) {
			if (error instanceof ErrorResponse) throw error
			if (error instanceof joseErrors.JWTExpired) throw unauthorized('expired jwt auth token')
			throw unauthorized('invalid jwt token')
		}
	}
}
