/**
 * A user's own API keys: make one (with a password or a token, never with another key), list
 * them (never the keys), revoke one. Another user's key reads as no key at all.
 */
import { Elysia, t } from 'elysia'
import { ErrorResponse, isApiKeyId, simpleAuth, type SimpleAuth } from '../auth'
import type { AcmeData } from './store'
import { KEY_SCOPES, MAX_KEY_DAYS, issueKey } from './api-keys'

const KeyInfo = t.Object({
	id: t.String(),
	scopes: t.Array(t.String()),
	created: t.String({ format: 'date-time' }),
	expires: t.Union([t.String({ format: 'date-time' }), t.Null()]),
	last_used: t.Union([t.String({ format: 'date-time' }), t.Null()])
})

const isoTime = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString())

/** The key routes, when the configuration enables the apikey scheme. */
export function keyRoutes(auth: SimpleAuth, store: AcmeData) {
	const routes = new Elysia({ name: 'acme-key-routes' }).use(simpleAuth(auth))
	const enabled = auth.settings.auth
	if (!enabled.includes('apikey')) return routes
	// a key is made with a password or a token: a stolen key cannot breed more keys
	const creators = (['token', 'basic', 'param'] as const).filter((scheme) => enabled.includes(scheme))
	if (creators.length > 0)
		routes.post(
			'/key',
			async ({ user, args, set }) => {
				const made = await issueKey(auth, store, user, {
					scopes: args.scope === undefined ? [] : [args.scope].flat(),
					days: args.days,
					rate: args.rate
				})
				set.status = 201
				return made
			},
			{
				authz: 'AUTH',
				authn: creators,
				args: t.Object({
					scope: t.Optional(t.Union([t.String(), t.Array(t.String())])),
					days: t.Optional(t.Integer({ minimum: 1, maximum: MAX_KEY_DAYS })),
					rate: t.Optional(t.Integer({ minimum: 1 }))
				}),
				response: { 201: t.Object({ id: t.String(), key: t.String() }) },
				detail: {
					summary: `make an API key (shown once); scope: groups it holds among yours (${KEY_SCOPES.join(', ')}), days: lifetime, rate: requests a minute`
				}
			}
		)
	return routes
		.get(
			'/key',
			async ({ user }) =>
				(await store.keys.list(user)).map((row) => ({
					id: row.id,
					scopes: row.scopes,
					created: isoTime(row.created)!,
					expires: isoTime(row.expires),
					last_used: isoTime(row.last_used)
				})),
			{
				authz: 'AUTH',
				response: t.Array(KeyInfo),
				detail: { summary: 'your API keys, never the keys themselves' }
			}
		)
		.delete(
			'/key/:id',
			async ({ user, params, set }) => {
				// another user's key answers as a missing one: ids are not told apart
				if (!isApiKeyId(params.id) || !(await store.keys.revoke(params.id, user)))
					throw new ErrorResponse('no such API key', 404)
				set.status = 204
			},
			{
				authz: 'AUTH',
				response: { 204: t.Void() },
				detail: { summary: 'revoke one of your API keys: refused at once on every instance' }
			}
		)
}
