/**
 * FSA_TOKEN_ISSUERS against a real OpenID Connect provider (oidc-provider, certified) on
 * loopback: JWT access tokens of the client credentials grant, for the resource "acme".
 */
import { afterAll, beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Elysia } from 'elysia'
import { exportJWK, generateKeyPair } from 'jose'
import Provider, { errors as oidcErrors } from 'oidc-provider'
import { SimpleAuth, checkRoutes, simpleAuth } from '../../src/auth'
import { call } from '../support/helpers'

const RESOURCE = 'urn:acme'
let server: Server
let issuer = ''

/** The clients of the provider: "calvin" is a user of the service, "robot" is not. */
const CLIENTS = [
	{ client_id: 'calvin', client_secret: 'calvin-secret-calvin-secret', scope: 'read write' },
	{ client_id: 'robot', client_secret: 'robot-secret-robot-secret-robot', scope: 'read' }
].map((client) => ({ ...client, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }))

beforeAll(async () => {
	const { privateKey } = await generateKeyPair('RS256', { extractable: true })
	const signing = { ...(await exportJWK(privateKey)), kid: 'oidc-1', alg: 'RS256', use: 'sig' }
	server = createServer()
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
	issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
	const provider = new Provider(issuer, {
		clients: CLIENTS,
		jwks: { keys: [signing] },
		scopes: ['read', 'write'],
		ttl: { ClientCredentials: 300 },
		features: {
			devInteractions: { enabled: false },
			clientCredentials: { enabled: true },
			resourceIndicators: {
				enabled: true,
				defaultResource: () => RESOURCE,
				useGrantedResource: () => true,
				getResourceServerInfo: (_context: unknown, resource: string) => {
					if (resource !== RESOURCE) throw new oidcErrors.InvalidTarget()
					return {
						scope: 'read write',
						audience: 'acme',
						accessTokenFormat: 'jwt',
						accessTokenTTL: 300,
						jwt: { sign: { alg: 'RS256' } }
					}
				}
			}
		}
	})
	server.on('request', provider.callback())
})
afterAll(() => server?.close())

/** An access token of the client credentials grant. */
async function accessToken(client: (typeof CLIENTS)[number], scope: string): Promise<string> {
	const response = await fetch(`${issuer}/token`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`
		},
		body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: RESOURCE })
	})
	const body = (await response.json()) as { access_token?: string }
	expect(response.status).toBe(200)
	expect(body.access_token).toBeString()
	return body.access_token!
}

function acme(localUsers: boolean) {
	const auth = new SimpleAuth({
		name: 'Test',
		config: {
			FSA_AUTH: ['oauth'],
			FSA_TOKEN_ISSUERS: {
				[issuer]: {
					jwks_uri: `${issuer}/jwks`,
					audience: 'acme',
					algorithms: ['RS256'],
					local_users: localUsers
				}
			}
		}
	}).getUserPass((login) => (login === 'calvin' ? 'stored' : null))
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/read', ({ user }) => ({ user }), { authn: 'oauth', authz: 'read' })
		.get('/write', ({ user }) => ({ user }), { authn: 'oauth', authz: 'write' })
	checkRoutes(app)
	return app
}

describe('oidc-provider JWT access tokens', () => {
	it('are accepted: the client is the user, the granted scopes authorize', async () => {
		const app = acme(true)
		const token = await accessToken(CLIENTS[0], 'read')
		const read = await call(app, 'GET', '/read', { bearer: token })
		expect(read.status).toBe(200)
		expect(read.json).toEqual({ user: 'calvin' })
		const write = await call(app, 'GET', '/write', { bearer: token })
		expect(write.status).toBe(403)
		expect(write.text).toBe('missing permission "write"')
	})

	it('of a client that is no user here need local_users = false', async () => {
		const token = await accessToken(CLIENTS[1], 'read')
		const refused = await call(acme(true), 'GET', '/read', { bearer: token })
		expect(refused.status).toBe(401)
		expect(refused.text).toBe('no such user for auth token')
		const accepted = await call(acme(false), 'GET', '/read', { bearer: token })
		expect(accepted.status).toBe(200)
		expect(accepted.json).toEqual({ user: 'robot' })
	})

	it('are refused once altered', async () => {
		const token = await accessToken(CLIENTS[0], 'read write')
		const [header, payload, signature] = token.split('.')
		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
		const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'hobbes' })).toString('base64url')}.${signature}`
		const response = await call(acme(false), 'GET', '/read', { bearer: forged })
		expect(response.status).toBe(401)
	})

	it('of another issuer are refused', async () => {
		const warn = spyOn(console, 'warn').mockImplementation(() => {})
		try {
			const token = await accessToken(CLIENTS[0], 'read')
			const auth = new SimpleAuth({
				config: {
					FSA_AUTH: ['oauth'],
					FSA_TOKEN_ISSUERS: {
						'https://other.example': {
							jwks_uri: `${issuer}/jwks`,
							audience: 'acme',
							algorithms: ['RS256']
						}
					}
				}
			})
			const app = new Elysia()
				.use(simpleAuth(auth))
				.get('/read', () => 'read', { authn: 'oauth', authz: 'read' })
			const response = await call(app, 'GET', '/read', { bearer: token })
			expect(response.status).toBe(401)
			expect(response.text).toBe('unknown token issuer')
		} finally {
			warn.mockRestore()
		}
	})
})
