/**
 * The public keys of one identity provider (a JWKS), fetched on first need and kept as long as
 * its Cache-Control says, within bounds. Fetches are paced: whatever tokens arrive (made-up
 * `kid`s, an unreachable server), an issuer's keys are fetched at most once every 30 s.
 */
import {
	createLocalJWKSet,
	errors as joseErrors,
	type FlattenedJWSInput,
	type JWSHeaderParameters
} from 'jose'
import { ErrorResponse } from '../errors'

/** Bounds of how long fetched keys are used before they are fetched again, in seconds. */
export const JWKS_MIN_SECONDS = 60
export const JWKS_MAX_SECONDS = 86_400
/** How long keys are used when the response says nothing of it. */
export const JWKS_DEFAULT_SECONDS = 600
/** Fetches of one issuer's keys are at least this far apart, in seconds. */
export const JWKS_REFETCH_SECONDS = 30
/** A JWKS server that does not answer within this is taken as down. */
export const JWKS_TIMEOUT_MS = 5_000
/** A key set larger than this is refused (a few keys take a few kilobytes). */
const JWKS_MAX_BYTES = 256 * 1024

/**
 * How long a JWKS response may be used, from its Cache-Control header: max-age within
 * [JWKS_MIN_SECONDS, JWKS_MAX_SECONDS], the minimum for no-cache or no-store.
 */
export function jwksCacheSeconds(cacheControl: string | null): number {
	if (cacheControl === null) return JWKS_DEFAULT_SECONDS
	const directives = cacheControl
		.toLowerCase()
		.split(',')
		.map((part) => part.trim())
	if (directives.some((part) => part === 'no-store' || part === 'no-cache')) return JWKS_MIN_SECONDS
	const maxAge = directives.map((part) => /^max-age\s*=\s*"?(\d+)"?$/.exec(part)).find(Boolean)
	if (!maxAge) return JWKS_DEFAULT_SECONDS
	return Math.min(JWKS_MAX_SECONDS, Math.max(JWKS_MIN_SECONDS, Number(maxAge[1])))
}

type KeySet = ReturnType<typeof createLocalJWKSet>

export interface JwksOptions {
	/** Milliseconds since the epoch (tests move it). */
	now?: () => number
	timeoutMs?: number
}

export class JwksKeys {
	#keys: KeySet | undefined
	#freshUntil = 0
	#lastFetch = -Infinity
	#fetching: Promise<void> | undefined
	readonly #now: () => number
	readonly #timeoutMs: number

	constructor(
		readonly issuer: string,
		readonly uri: string,
		options: JwksOptions = {}
	) {
		this.#now = options.now ?? Date.now
		this.#timeoutMs = options.timeoutMs ?? JWKS_TIMEOUT_MS
	}

	/**
	 * The key that verifies a token, by its header's `kid` and `alg`: from the cached set,
	 * fetched again when stale or when it lacks the `kid` (paced).
	 * @throws ErrorResponse 503 when no key set was ever fetched, 401 for a key it does not hold
	 */
	readonly key = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
		if (this.#keys === undefined || this.#now() >= this.#freshUntil) await this.#refresh()
		const keys = this.#keys
		if (keys === undefined)
			throw new ErrorResponse(`the keys of token issuer ${this.issuer} cannot be fetched now`, 503)
		try {
			return await keys(header, token)
		} catch (error) {
			if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error
		}
		// a key the set lacks: the issuer may have rotated its keys since
		if (!this.#mayFetch()) throw new ErrorResponse('unknown jwt key', 401)
		await this.#refresh()
		if (this.#keys === keys) throw new ErrorResponse('unknown jwt key', 401)
		try {
			return await this.#keys!(header, token)
		} catch (error) {
			if (error instanceof joseErrors.JWKSNoMatchingKey) throw new ErrorResponse('unknown jwt key', 401)
			throw error
		}
	}

	#mayFetch(): boolean {
		return this.#now() - this.#lastFetch >= JWKS_REFETCH_SECONDS * 1000
	}

	/** Fetch the key set, once for every caller waiting on it; on failure the cached set stays. */
	#refresh(): Promise<void> {
		if (this.#fetching) return this.#fetching
		if (!this.#mayFetch()) return Promise.resolve()
		this.#lastFetch = this.#now()
		this.#fetching = this.#fetch()
			.catch((error: unknown) => {
				console.warn(
					`token issuer ${this.issuer}: cannot fetch its keys from ${this.uri}: ${(error as Error).message}${this.#keys ? '; the cached keys stay in use' : ''}`
				)
			})
			.finally(() => (this.#fetching = undefined))
		return this.#fetching
	}

	async #fetch(): Promise<void> {
		const response = await fetch(this.uri, {
			signal: AbortSignal.timeout(this.#timeoutMs),
			redirect: 'error',
			headers: { accept: 'application/json' }
		})
		if (!response.ok) throw new Error(`status ${response.status}`)
		const text = await response.text()
		if (text.length > JWKS_MAX_BYTES) throw new Error('key set too large')
		let set: unknown
		try {
			set = JSON.parse(text)
		} catch {
			throw new Error('not JSON')
		}
		// createLocalJWKSet checks the shape: an object whose keys is a list of JWKs
		const keys = createLocalJWKSet(set as Parameters<typeof createLocalJWKSet>[0])
		this.#keys = keys
		this.#freshUntil = this.#now() + jwksCacheSeconds(response.headers.get('cache-control')) * 1000
	}
}
