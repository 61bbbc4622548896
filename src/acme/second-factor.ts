/**
 * Acme's second factor (FlaskSimpleAuth's demo/mfa.py): enrolment, codes (a TOTP code once per
 * step, or a backup code once), and the rule that for a user with a second factor a password
 * alone starts a login (`GET` or `POST /token`) and authenticates nothing else.
 */
import {
	pathOf,
	ErrorResponse,
	OTP_DEFAULTS,
	matchOtp,
	otpauthUri,
	randomOtpSecret,
	type SecondFactor,
	type SimpleAuth
} from '../auth'
import type { AcmeData } from './store'
import { newBackupCode } from './otp-store'

/** The realm of the token a password gives a user with a second factor, valid one minute. */
export const MFA_REALM = 'mfa'
export const MFA_TOKEN_MINUTES = 1
const ISSUER = 'Acme'
const BACKUP_CODES = 10

export interface Enrolment {
	/** The `otpauth://totp/` URI an authenticator app reads. */
	uri: string
	backup_codes: string[]
}

/** Turn on (or replace) a user's second factor: a new secret and 10 new backup codes. */
export async function enrol(store: AcmeData, login: string): Promise<Enrolment> {
	const secret = randomOtpSecret()
	const backupCodes = Array.from({ length: BACKUP_CODES }, newBackupCode)
	await store.otp.enable(login, secret, backupCodes)
	return { uri: otpauthUri(ISSUER, login, secret, OTP_DEFAULTS), backup_codes: backupCodes }
}

/**
 * Use up a code: the user's TOTP code (one step of drift each way) never accepted before, or
 * one of their unused backup codes. False for anything else, or a user without a second factor.
 */
export async function useCode(
	store: AcmeData,
	login: string,
	code: string,
	nowMs = Date.now()
): Promise<boolean> {
	const secret = await store.otp.secretOf(login)
	if (secret === null) return false
	if (/^\d+$/.test(code)) {
		const step = matchOtp(secret, code, OTP_DEFAULTS, nowMs)
		return step !== undefined && (await store.otp.useStep(login, secret, step))
	}
	return store.otp.useBackupCode(login, code)
}

/**
 * Check a code under the brute-force throttle, as a password: a wrong code counts as a failure
 * (401), and past the limit the answer is a 429 before any check.
 */
export function checkCode(
	auth: SimpleAuth,
	store: AcmeData,
	login: string,
	code: string,
	address = 'unknown'
) {
	return auth.throttle.guard(login, address, async () => {
		if (!(await useCode(store, login, code))) throw new ErrorResponse('invalid second factor code', 401)
	})
}

/** Whether a request starts a login: the only place where a password alone is enough. */
function startsLogin(request: Request): boolean {
	return (request.method === 'GET' || request.method === 'POST') && pathOf(request.url) === '/token'
}

/** The framework's second factor hook: true for a user with one, except where a login starts. */
export function passwordAloneRefused(store: AcmeData): SecondFactor {
	return function needsSecondFactor(login, { request }) {
		return startsLogin(request) ? false : store.otp.hasSecondFactor(login)
	}
}

/**
 * What a login answers: a token, or for a user with a second factor who did not present a full
 * token (a password), a one-minute token of realm `mfa` for `POST /token/otp`.
 */
export async function loginAnswer(
	auth: SimpleAuth,
	store: AcmeData,
	user: string,
	fullToken: string | undefined
): Promise<{ token: string } | { mfa_token: string }> {
	if (fullToken === undefined && (await store.otp.hasSecondFactor(user)))
		return {
			mfa_token: await auth.createToken(user, { realm: MFA_REALM, delayMinutes: MFA_TOKEN_MINUTES })
		}
	// a token asked for with a token expires no later than it: renewing never extends a session
	return { token: await auth.createToken(user, { presented: fullToken }) }
}
