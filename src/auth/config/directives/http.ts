/**
 * The directives of HTTP: request parameters, and responses (headers, errors, CORS, the limits
 * of a request, plain HTTP).
 */
import { Type as T } from '@sinclair/typebox'
import { MODES } from '../values'
import type { Directive } from './directive'

const Status = (minimum: number) => T.Integer({ minimum, maximum: 599 })

/** Parameters: what a request may carry besides what its route declares. */
export const PARAMETERS = {
	FSA_REJECT_UNEXPECTED_PARAM: {
		schema: T.Boolean(),
		default: true,
		doc: 'answer 400 to a request parameter the route does not declare'
	}
} satisfies Record<string, Directive>

/** Responses: headers, errors, CORS, the limits of a request, plain HTTP. */
export const RESPONSES = {
	FSA_MODE: {
		values: Object.keys(MODES),
		schema: T.String(),
		default: 'prod',
		doc: 'dev and above add FSA-Request, FSA-User and FSA-Delay headers'
	},
	FSA_ERROR_RESPONSE: {
		schema: T.String(),
		default: 'plain',
		doc: 'error body format: plain (text), json (a JSON string), json:KEY (an object)'
	},
	FSA_ADD_HEADERS: {
		schema: T.Record(T.String(), T.String()),
		default: {},
		doc: 'headers added to every response'
	},
	FSA_DEFAULT_CONTENT_TYPE: {
		schema: T.String({ minLength: 1 }),
		shown: 'text/plain',
		doc: 'content type of text bodies returned by routes'
	},
	FSA_HANDLE_ALL_ERRORS: {
		schema: T.Boolean(),
		default: true,
		doc: 'render 404 and 405 (with Allow) in the FSA_ERROR_RESPONSE format'
	},
	FSA_NOT_FOUND_ERROR: {
		schema: Status(400),
		default: 404,
		doc: 'status when an object permission finds no object'
	},
	FSA_SERVER_ERROR: { schema: Status(500), default: 500, doc: 'status of internal errors' },
	FSA_401_REDIRECT: {
		schema: T.String({ minLength: 1 }),
		shown: 'none',
		doc: 'turn a 401 into a 307 to this login page, with the original URL in FSA_URL_NAME on GET'
	},
	FSA_URL_NAME: {
		schema: T.String({ minLength: 1 }),
		default: 'URL',
		doc: 'parameter of FSA_401_REDIRECT'
	},
	FSA_CORS: { schema: T.Boolean(), default: false, doc: 'answer CORS preflights and add CORS headers' },
	FSA_CORS_OPTS: {
		schema: T.Record(T.String(), T.Unknown()),
		default: {},
		doc: 'options of @elysiajs/cors: origin, methods, allowedHeaders, exposeHeaders, credentials, maxAge'
	},
	FSA_MAX_BODY: {
		schema: T.Integer({ minimum: 1 }),
		default: 1048576,
		doc: 'largest request body accepted, in bytes (413 above)'
	},
	FSA_MAX_PARAMS: {
		schema: T.Integer({ minimum: 1 }),
		default: 1000,
		doc: 'extension: most parameters a request may carry (query and form values, JSON body keys), and most items of one JSON array or object (400 above)'
	},
	FSA_MAX_DEPTH: {
		schema: T.Integer({ minimum: 1 }),
		default: 64,
		doc: 'extension: deepest nesting of a JSON body or JSON parameter (400 above)'
	},
	FSA_SECURE: {
		schema: T.Boolean(),
		default: true,
		doc: 'refuse (403) plain HTTP from non-loopback clients; X-Forwarded-Proto counts from trusted proxies only'
	}
} satisfies Record<string, Directive>
