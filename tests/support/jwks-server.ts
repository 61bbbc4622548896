/**
 * A stand-in identity provider on loopback: it publishes a JWKS that a test rotates, counts
 * the fetches, can go down, and signs tokens with its current keys.
 */
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'

export interface SigningKey {
	kid: string
	alg: string
	privateKey: CryptoKey
	publicJwk: JWK
}

export async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
	const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
	return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

export class JwksServer {
	keys: SigningKey[] = []
	fetches = 0
	/** What the server answers: the key set, a 500, or nothing (the request hangs). */
	mode: 'up' | 'error' | 'hang' = 'up'
	cacheControl: string | null = 'max-age=300'
	readonly #server: ReturnType<typeof Bun.serve>

	constructor() {
		this.#server = Bun.serve({
			hostname: '127.0.0.1',
			port: 0,
			fetch: (request) => {
				if (new URL(request.url).pathname !== '/jwks')
					return new Response('not found', { status: 404 })
				this.fetches++
				if (this.mode === 'error') return new Response('down', { status: 500 })
				if (this.mode === 'hang') return new Promise<Response>(() => {})
				const headers: Record<string, string> = { 'content-type': 'application/json' }
				if (this.cacheControl !== null) headers['cache-control'] = this.cacheControl
				return Response.json({ keys: this.keys.map((key) => key.publicJwk) }, { headers })
			}
		})
	}

	get uri(): string {
		return `http://127.0.0.1:${this.#server.port}/jwks`
	}

	stop(): void {
		this.#server.stop(true)
	}
}

export interface TokenClaims {
	iss: string
	sub?: string
	aud?: string | string[]
	scope?: string
	scp?: string[]
	/** Seconds from now. @default 300 */
	expiresIn?: number
}

/** A JWT signed by `key`, its header naming the key's kid (or `kid`). */
export function signToken(key: SigningKey, claims: TokenClaims, kid = key.kid): Promise<string> {
	const { iss, sub, aud, expiresIn = 300, ...rest } = claims
	const jwt = new SignJWT(rest)
		.setProtectedHeader({ alg: key.alg, kid, typ: 'JWT' })
		.setIssuer(iss)
		.setIssuedAt()
		.setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
	if (sub !== undefined) jwt.setSubject(sub)
	if (aud !== undefined) jwt.setAudience(aud)
	return jwt.sign(key.privateKey)
}
