/**
 * The directives of authentication (the schemes and where they find credentials) and of
 * authorization (the groups and scopes routes may name).
 */
import { Type as T } from '@sinclair/typebox'
import type { Directive } from './directive'

const StringOrList = T.Union([T.String(), T.Array(T.String())])

/** Authentication: the schemes, their parameters and headers, the proxies trusted. */
export const AUTHENTICATION = {
	FSA_AUTH: {
		schema: StringOrList,
		shown: '(required)',
		doc: 'enabled schemes, in the order they are tried: none, basic, param, token, oauth, fake, httpd, apikey or a custom; a scalar X means token, X, none; password means basic and param'
	},
	FSA_AUTH_DEFAULT: {
		schema: StringOrList,
		shown: 'FSA_AUTH',
		doc: 'schemes tried on routes without `authn`; must be within FSA_AUTH'
	},
	FSA_REALM: {
		schema: T.String({ minLength: 1 }),
		shown: 'app name',
		doc: 'realm of basic challenges and tokens'
	},
	FSA_PARAM_USER: {
		schema: T.String({ minLength: 1 }),
		default: 'USER',
		doc: 'user parameter of the param scheme'
	},
	FSA_PARAM_PASS: {
		schema: T.String({ minLength: 1 }),
		default: 'PASS',
		doc: 'password parameter of the param scheme'
	},
	FSA_FAKE_LOGIN: {
		schema: T.String({ minLength: 1 }),
		default: 'LOGIN',
		doc: 'parameter of the fake scheme, accepted from loopback clients only (tests)'
	},
	FSA_HTTPD_HEADER: {
		schema: T.String({ minLength: 1 }),
		default: 'X-Remote-User',
		doc: 'header holding the user name set by a trusted reverse proxy (httpd scheme)'
	},
	FSA_APIKEY_HEADER: {
		schema: T.String({ minLength: 1 }),
		default: 'X-API-Key',
		doc: 'extension: header holding the key of the apikey scheme'
	},
	FSA_TRUSTED_PROXIES: {
		schema: T.Array(T.String({ minLength: 1 })),
		default: [],
		doc: 'addresses of reverse proxies trusted for the httpd header, X-Forwarded-For and X-Forwarded-Proto'
	}
} satisfies Record<string, Directive>

/** Authorization: the groups and oauth scopes routes may name. */
export const AUTHORIZATION = {
	FSA_AUTHZ_GROUPS: {
		schema: T.Array(T.String({ minLength: 1 })),
		default: [],
		doc: 'declared groups; once any are declared, a route naming another group is refused at start'
	},
	FSA_AUTHZ_SCOPES: {
		schema: T.Array(T.String({ minLength: 1 })),
		default: [],
		doc: 'declared oauth scopes; once any are declared, a route naming another scope is refused at start'
	}
} satisfies Record<string, Directive>
