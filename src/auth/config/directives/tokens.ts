/**
 * The directives of tokens: their format, where they travel, their secrets, lifetime and
 * issuers.
 */
import { Type as T } from '@sinclair/typebox'
import { FSA_TOKEN_HASHES, JWT_ALGORITHMS, TOKEN_CARRIERS, TOKEN_TYPES } from '../values'
import type { Directive } from './directive'

/** Tokens: made and verified here (fsa, JWT), or by identity providers (oauth). */
export const TOKENS = {
	FSA_TOKEN_TYPE: {
		values: TOKEN_TYPES,
		schema: T.String(),
		default: 'fsa',
		doc: 'token format; none disables tokens'
	},
	FSA_TOKEN_CARRIER: {
		values: Object.keys(TOKEN_CARRIERS),
		schema: T.String(),
		default: 'bearer',
		doc: 'where tokens travel: bearer is the Authorization header'
	},
	FSA_TOKEN_NAME: {
		schema: T.String({ minLength: 1 }),
		shown: 'Bearer / AUTH / auth / Auth',
		doc: 'bearer scheme word, or the parameter, cookie or header name'
	},
	FSA_TOKEN_SECRET: {
		schema: T.String({ minLength: 1 }),
		shown: 'random',
		doc: 'signing secret of tokens (at least 16 characters); for asymmetric JWT, the PEM public key'
	},
	FSA_TOKEN_SIGN: {
		schema: T.String({ minLength: 1 }),
		shown: 'FSA_TOKEN_SECRET',
		doc: 'asymmetric JWT: the PEM private key that signs tokens; without it tokens are only verified'
	},
	FSA_TOKEN_DELAY: {
		schema: T.Number({ exclusiveMinimum: 0 }),
		default: 60,
		doc: 'token lifetime in minutes'
	},
	FSA_TOKEN_GRACE: {
		schema: T.Number({ minimum: 0 }),
		default: 0,
		doc: 'minutes a token is still accepted after its expiry'
	},
	FSA_TOKEN_LENGTH: {
		schema: T.Integer({ minimum: 8, maximum: 64 }),
		default: 16,
		doc: 'bytes of the fsa token signature kept (16 = 32 hex characters)'
	},
	FSA_TOKEN_ALGO: {
		values: [...FSA_TOKEN_HASHES, ...JWT_ALGORITHMS],
		schema: T.String(),
		shown: '"blake2s" / "HS256"',
		doc: 'the hash of fsa tokens (blake2s by default), or the algorithm of JWTs (HS256 by default)'
	},
	FSA_TOKEN_ISSUER: {
		schema: T.String({ minLength: 1 }),
		shown: 'none',
		doc: 'fsa: appended to the realm as realm/issuer; jwt: the iss claim, required by oauth'
	},
	FSA_TOKEN_ISSUERS: {
		schema: T.Record(T.String(), T.Record(T.String(), T.Unknown())),
		shown: '{}',
		doc: 'extension: identity providers whose JWTs oauth accepts, by iss: { jwks_uri, audience, algorithms (asymmetric only), local_users = true (sub must be a user here) }'
	},
	FSA_TOKEN_RENEWAL: {
		schema: T.Number({ minimum: 0, maximum: 1 }),
		default: 0,
		doc: 'cookie carrier: renew the cookie when less than this fraction of the delay remains (0: on every request), never past the token presented'
	}
} satisfies Record<string, Directive>
