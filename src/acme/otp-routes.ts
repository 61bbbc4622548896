/**
 * The routes of the second factor: the second stage of a login, enrolment and removal (by the
 * user with a full token and a code, or by an admin for a lost device).
 */
import { Elysia, t } from 'elysia'
import { ClientAddress, ErrorResponse, simpleAuth, type SimpleAuth } from '../auth'
import type { AcmeData } from './store'
import { MFA_REALM, checkCode, enrol } from './second-factor'

/** The client's address (`from`) is the framework's (trusted proxies included), for the throttle. */
export function secondFactorRoutes(auth: SimpleAuth, store: AcmeData) {
	const routes = new Elysia({ name: 'acme-second-factor-routes' }).use(simpleAuth(auth))
	// the mfa token and full tokens travel as tokens: without the token scheme, no second stage
	if (!(auth.tokens.canCreate && auth.settings.auth.includes('token'))) return routes
	const token = { authn: ['token' as const] }
	// enrolment takes a password (for a user without a second factor) even where routes default to tokens
	const enrolment = {
		authn: (['token', 'basic', 'param'] as const).filter((scheme) => auth.settings.auth.includes(scheme))
	}
	return routes
		.post(
			'/token/otp',
			async ({ user, args, set }) => {
				// the mfa token is not revoked here: two logins within a second get the same one,
				// and it is worth nothing without an unused code
				await checkCode(auth, store, user, args.otp, args.from)
				set.status = 201
				return { token: await auth.createToken(user) }
			},
			{
				authz: 'AUTH',
				...token,
				realm: MFA_REALM,
				args: t.Object({ otp: t.String(), from: t.Optional(ClientAddress()) }),
				response: { 201: t.Object({ token: t.String() }) },
				detail: {
					summary:
						'second stage of a login: the mfa token (Bearer) and a current TOTP code or an unused backup code give a token'
				}
			}
		)
		.post(
			'/user/otp',
			async ({ user, set }) => {
				set.status = 201
				return enrol(store, user)
			},
			{
				authz: 'AUTH',
				...enrolment,
				response: { 201: t.Object({ uri: t.String(), backup_codes: t.Array(t.String()) }) },
				detail: {
					summary:
						'turn on or replace your second factor: the otpauth URI and 10 backup codes; once on, only a full token may replace it'
				}
			}
		)
		.delete(
			'/user/otp',
			async ({ user, args, set }) => {
				if (!(await store.otp.hasSecondFactor(user)))
					throw new ErrorResponse(`no second factor: ${user}`, 404)
				await checkCode(auth, store, user, args.otp, args.from)
				await store.otp.disable(user)
				await auth.revokeUser(user)
				set.status = 204
			},
			{
				authz: 'AUTH',
				...token,
				args: t.Object({ otp: t.String(), from: t.Optional(ClientAddress()) }),
				response: { 204: t.Void() },
				detail: { summary: 'turn off your second factor: a full token and a current code' }
			}
		)
		.delete(
			'/user/:login/otp',
			async ({ user, params, set }) => {
				if (!(await store.otp.disable(params.login)))
					throw new ErrorResponse(`no second factor: ${params.login}`, 404)
				await auth.revokeUser(params.login)
				console.warn(`second factor removed by admin ${user}: ${params.login}`)
				set.status = 204
			},
			{
				authz: 'admin',
				response: { 204: t.Void() },
				detail: { summary: "remove a user's second factor (a lost device); ends their tokens" }
			}
		)
}
