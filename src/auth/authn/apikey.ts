/**
 * The apikey scheme: a long-lived machine credential in a header of its own (FSA_APIKEY_HEADER).
 * A key reads `PREFIX_ID_SECRET`: the id finds its record through the application's `apiKey`
 * hook, which holds only the key's SHA-256 (the key has 256 random bits: no slow hash needed).
 * The record is asked on every request, so that a revoked, expired or deleted key is refused at
 * once on every instance; a store that answers at once (SQLite) keeps the scheme synchronous.
 * A key that matched its stored hash is remembered with that hash, as a verified token is: a
 * busy key is parsed, hashed and compared once while its record keeps the same hash.
 * A key's rate (requests a minute) is counted in the cache's backend, shared through Redis.
 */
import { ErrorResponse, withDetail } from '../errors'
import { callHook, type AppHooks } from '../hooks'
import type { Cache } from '../cache/cache'
import type { Settings } from '../config/settings'
import type { UserFacts } from '../users'
import type { ApiKeyRecord, MaybePromise } from '../types'
import type { AuthnInput, Found, SchemeResult, SchemeServices } from './scheme'
import { sameSecret } from '../tokens/secrets'
import { remember } from '../cache/memo'

const API_KEY = /^([a-z][a-z0-9]{0,31})_([0-9a-f]{16})_([0-9a-f]{64})$/
const PREFIX = /^[a-z][a-z0-9]{0,31}$/
const ID = /^[0-9a-f]{16}$/
const RATE_WINDOW_SECONDS = 60
/** Last use is told to the application at most this often per key. */
const USE_INTERVAL_MS = 60_000

/** A new key: `id` to store it by, `key` to show once, `hash` to store. */
export interface NewApiKey {
	id: string
	key: string
	hash: string
}

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex')

/** The stored form of a key: its SHA-256, hex. */
export function hashApiKey(key: string): string {
	return new Bun.CryptoHasher('sha256').update(key).digest('hex')
}

/** Make a key: 64 random bits of id, 256 of secret. */
export function newApiKey(prefix: string): NewApiKey {
	if (!PREFIX.test(prefix))
		throw new TypeError(`API key prefix must match ${PREFIX.source} (got "${prefix}")`)
	const id = hex(8)
	const key = `${prefix}_${id}_${hex(32)}`
	return { id, key, hash: hashApiKey(key) }
}

/** The id of a well-formed key, else undefined. */
export function apiKeyId(key: string): string | undefined {
	return API_KEY.exec(key)?.[2]
}

/** Whether a text is a key id (16 hex digits), as the routes that revoke one take it. */
export function isApiKeyId(text: string): boolean {
	return ID.test(text)
}

/** A key's prefix from an application name: lower-case letters and digits, "key" when none is left. */
export function apiKeyPrefix(name: string): string {
	const prefix = name
		.toLowerCase()
		.replace(/[^a-z0-9]/g, '')
		.replace(/^[0-9]+/, '')
		.slice(0, 32)
	return prefix === '' ? 'key' : prefix
}

/** A key that matched its stored hash once: its id, and the stored hash it matched. */
interface KnownKey {
	id: string
	hash: string
}

export class ApiKeyValidation {
	/**
	 * The keys in use that matched their stored hash, as tokens are remembered once verified: a
	 * busy key is parsed and hashed once. Its record is still asked on every request, and a record
	 * whose stored hash is not the one the key matched is checked again in full.
	 */
	readonly #known = new Map<string, KnownKey>()
	/** When each key's last use was told to the application (ms since the epoch). */
	readonly #told = new Map<string, number>()

	constructor(
		readonly settings: Settings,
		readonly hooks: AppHooks,
		readonly users: UserFacts,
		readonly cache: Cache
	) {}

	/** Verify a key; 401 says why it is refused, 429 when its rate is spent. */
	verify(key: string): MaybePromise<Found> {
		const known = this.#known.get(key)
		const id = known?.id ?? apiKeyId(key)
		if (id === undefined) throw new ErrorResponse('invalid API key', 401)
		const lookup = this.hooks.apiKey
		if (lookup === undefined)
			throw new ErrorResponse('no api_key hook for the apikey scheme', this.settings.serverError)
		const record = callHook('api_key', this.settings.serverError, () => lookup(id))
		return record instanceof Promise
			? record.then((found) => this.#accept(key, id, known, found))
			: this.#accept(key, id, known, record)
	}

	#accept(
		key: string,
		id: string,
		known: KnownKey | undefined,
		record: ApiKeyRecord | null | undefined
	): MaybePromise<Found> {
		// an unknown id and a wrong secret read the same: nothing tells which ids exist
		if (record === null || record === undefined) throw new ErrorResponse('invalid API key', 401)
		const stored = String(record.hash)
		// both hashes are the server's own here: the key itself was compared in constant time
		if (known === undefined || known.hash !== stored) {
			if (!sameSecret(hashApiKey(key), stored)) throw new ErrorResponse('invalid API key', 401)
			remember(this.#known, key, { id, hash: stored })
		}
		if (record.revoked === true) throw new ErrorResponse('revoked API key', 401)
		if (typeof record.expires === 'number' && record.expires <= Date.now() / 1000)
			throw new ErrorResponse('expired API key', 401)
		const version = this.users.versioned ? this.users.version(record.user) : undefined
		return version instanceof Promise
			? version.then((known) => this.#granted(id, record, known))
			: this.#granted(id, record, version)
	}

	/** A key's user, once its record holds and its user's version is known: counted, then told. */
	#granted(id: string, record: ApiKeyRecord, version: unknown): MaybePromise<Found> {
		// a deleted user's keys die with them
		if (version === null) throw new ErrorResponse('no such user for API key', 401)
		const found: Found = {
			user: record.user,
			scopes: record.scopes ? record.scopes.slice() : []
		}
		const limited = this.#countUse(id, record.rate)
		return limited instanceof Promise ? limited.then(() => this.#used(id, found)) : this.#used(id, found)
	}

	/** Count one request of a rate-limited key; 429 with Retry-After past its rate. */
	#countUse(id: string, rate: number | null | undefined): MaybePromise<void> {
		if (typeof rate !== 'number' || !(rate > 0)) return
		const { backend } = this.cache
		const key = `${this.cache.settings.prefix}k.${id}`
		const check = ({ count, remainingMs }: { count: number; remainingMs: number }) => {
			if (count > rate)
				throw new ErrorResponse(`API key rate limit exceeded (${rate} a minute), retry later`, 429, {
					'retry-after': String(Math.max(1, Math.ceil(remainingMs / 1000)))
				})
		}
		// memory counts at once: no promise on the path of a rate-limited key
		const counted = backend.increment(key, RATE_WINDOW_SECONDS)
		return counted instanceof Promise ? counted.then(check) : check(counted)
	}

	/** Tell the application the key was used, at most once a minute; no request waits for it. */
	#used(id: string, found: Found): Found {
		const hook = this.hooks.apiKeyUsed
		if (hook === undefined) return found
		const now = Date.now()
		const told = this.#told.get(id)
		if (told !== undefined && now - told < USE_INTERVAL_MS) return found
		remember(this.#told, id, now)
		try {
			const pending = hook(id, new Date(now))
			if (pending instanceof Promise)
				pending.catch((error) => console.error('api_key_used failed:', (error as Error).message))
		} catch (error) {
			console.error('api_key_used failed:', (error as Error).message)
		}
		return found
	}
}

/** The key of a request's FSA_APIKEY_HEADER, masked in the log as tokens are. */
function masked(key: string): string {
	const id = apiKeyId(key)
	return id === undefined ? 'api key (malformed)' : `api key ${id}`
}

/** The apikey scheme: the key in FSA_APIKEY_HEADER, or on down the chain when there is none. */
export function apiKeyScheme(services: SchemeServices, input: AuthnInput): MaybePromise<SchemeResult> {
	const key = input.headers.get(services.settings.apikeyHeader)
	if (key === null || key === '') return null
	let verified: MaybePromise<Found>
	try {
		verified = services.verifyApiKey(key.trim())
	} catch (error) {
		throw withDetail(error, masked(key))
	}
	if (verified instanceof Promise)
		return verified.catch((error) => {
			throw withDetail(error, masked(key))
		})
	return verified
}
