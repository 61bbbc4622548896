/**
 * FSA_TOKEN_ISSUERS: the identity providers whose JWTs the oauth scheme accepts, each checked
 * at start so that a typo never silently widens what is accepted.
 */
import { ConfigError } from '../errors'
import { JWT_ALGORITHMS } from './values'

/** Algorithms an issuer may be pinned to: asymmetric only, verified with the issuer's public keys. */
export const ISSUER_ALGORITHMS = JWT_ALGORITHMS.filter((algorithm) => !algorithm.startsWith('HS'))

/** One identity provider, as FSA_TOKEN_ISSUERS describes it. */
export interface IssuerSettings {
	/** The `iss` claim its tokens carry. */
	issuer: string
	/** Where its public keys are published (a JWKS). */
	jwksUri: string
	/** Tokens must name one of these in their `aud` claim. */
	audience: string[]
	/** The only algorithms its tokens may be signed with. */
	algorithms: string[]
	/** Whether the token's `sub` must be a user of this service. */
	localUsers: boolean
}

const FIELDS = ['jwks_uri', 'audience', 'algorithms', 'local_users']

function fail(issuer: string, message: string): never {
	throw new ConfigError(`FSA_TOKEN_ISSUERS "${issuer}" ${message}`)
}

/** Plain HTTP only to this machine: keys fetched in clear from elsewhere could be replaced on the way. */
function isLoopback(hostname: string): boolean {
	return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

function jwksUri(issuer: string, value: unknown): string {
	if (typeof value !== 'string') fail(issuer, 'needs jwks_uri, the URL of its JSON Web Key Set')
	let url: URL
	try {
		url = new URL(value)
	} catch {
		return fail(issuer, `jwks_uri must be an absolute URL (got ${JSON.stringify(value)})`)
	}
	if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
		fail(
			issuer,
			`jwks_uri must be https (plain http is for loopback only) (got ${JSON.stringify(value)})`
		)
	return url.href
}

function audience(issuer: string, value: unknown): string[] {
	const list = typeof value === 'string' ? [value] : value
	if (
		!Array.isArray(list) ||
		list.length === 0 ||
		!list.every((item) => typeof item === 'string' && item !== '')
	)
		fail(issuer, 'needs audience, the aud its tokens must carry: a non-empty string or list of strings')
	return list as string[]
}

function algorithms(issuer: string, value: unknown): string[] {
	if (!Array.isArray(value) || value.length === 0)
		fail(issuer, `needs algorithms, a non-empty list of ${ISSUER_ALGORITHMS.join(', ')}`)
	for (const algorithm of value)
		if (!(ISSUER_ALGORITHMS as readonly unknown[]).includes(algorithm))
			fail(
				issuer,
				`algorithms must be asymmetric, one of ${ISSUER_ALGORITHMS.join(', ')}: "none" and HMAC are refused (got ${JSON.stringify(algorithm)})`
			)
	return [...new Set(value as string[])]
}

/**
 * Check FSA_TOKEN_ISSUERS (already known to be a table of tables).
 * @throws ConfigError naming the issuer and the field at fault
 */
export function parseIssuers(raw: Record<string, Record<string, unknown>> | undefined): IssuerSettings[] {
	const issuers: IssuerSettings[] = []
	for (const [issuer, entry] of Object.entries(raw ?? {})) {
		if (issuer === '')
			throw new ConfigError('FSA_TOKEN_ISSUERS keys must be issuers (the iss claim), not ""')
		for (const key of Object.keys(entry))
			if (!FIELDS.includes(key))
				fail(issuer, `has an unexpected field "${key}"; known: ${FIELDS.join(', ')}`)
		const localUsers = entry.local_users ?? true
		if (typeof localUsers !== 'boolean') fail(issuer, 'local_users must be true or false')
		issuers.push({
			issuer,
			jwksUri: jwksUri(issuer, entry.jwks_uri),
			audience: audience(issuer, entry.audience),
			algorithms: algorithms(issuer, entry.algorithms),
			localUsers
		})
	}
	return issuers
}
