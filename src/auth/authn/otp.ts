/**
 * Time-based one-time passwords (RFC 6238, HOTP of RFC 4226 on a clock): FlaskSimpleAuth 35's
 * `fsa:otp` password scheme, with pyotp's options and its one step of clock drift each way.
 */

export const OTP_DIGESTS = ['sha1', 'sha256', 'sha512'] as const
export type OtpDigest = (typeof OTP_DIGESTS)[number]

export interface OtpOptions {
	/** Digits of a code. @default 6 */
	digits: number
	/** Seconds a code lasts. @default 30 */
	interval: number
	/** HMAC digest. @default "sha1" */
	digest: OtpDigest
}

export const OTP_DEFAULTS: Readonly<OtpOptions> = Object.freeze({ digits: 6, interval: 30, digest: 'sha1' })

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** The bytes of a base32 secret (any case, spaces and `=` padding ignored); undefined when it is not base32. */
export function decodeBase32(text: string): Uint8Array | undefined {
	const clean = text.replace(/[\s=]+/g, '').toUpperCase()
	if (clean === '' || !/^[A-Z2-7]+$/.test(clean)) return undefined
	const bytes: number[] = []
	let buffer = 0
	let bits = 0
	for (const char of clean) {
		buffer = (buffer << 5) | BASE32.indexOf(char)
		bits += 5
		if (bits >= 8) {
			bits -= 8
			bytes.push((buffer >> bits) & 0xff)
		}
	}
	return new Uint8Array(bytes)
}

/** Base32 without padding, as authenticator apps expect in an `otpauth://` URI. */
export function encodeBase32(bytes: Uint8Array): string {
	let text = ''
	let buffer = 0
	let bits = 0
	for (const byte of bytes) {
		buffer = (buffer << 8) | byte
		bits += 8
		while (bits >= 5) {
			bits -= 5
			text += BASE32[(buffer >> bits) & 31]
		}
	}
	if (bits > 0) text += BASE32[(buffer << (5 - bits)) & 31]
	return text
}

/** A new random secret: 20 bytes (160 bits, RFC 4226's recommendation), in base32. */
export function randomOtpSecret(): string {
	return encodeBase32(crypto.getRandomValues(new Uint8Array(20)))
}

/** The HOTP code of a counter (RFC 4226, dynamic truncation). */
export function hotp(
	key: Uint8Array,
	counter: number,
	options: Pick<OtpOptions, 'digits' | 'digest'>
): string {
	const message = Buffer.alloc(8)
	message.writeBigUInt64BE(BigInt(counter))
	// Bun's own HMAC: node:crypto (with node:stream) would cost every start a millisecond
	const mac = Buffer.from(new Bun.CryptoHasher(options.digest, key).update(message).digest())
	const offset = mac[mac.length - 1] & 0x0f
	const value = mac.readUInt32BE(offset) & 0x7fffffff
	return String(value % 10 ** options.digits).padStart(options.digits, '0')
}

/** The time step of a moment (milliseconds since the epoch). */
export function otpStep(nowMs: number, interval: number): number {
	return Math.floor(nowMs / 1000 / interval)
}

/** The TOTP code of a base32 secret at a moment; undefined when the secret is not base32. */
export function totp(
	secret: string,
	options: OtpOptions = OTP_DEFAULTS,
	nowMs = Date.now()
): string | undefined {
	const key = decodeBase32(secret)
	return key && hotp(key, otpStep(nowMs, options.interval), options)
}

/**
 * The step whose code this is, among the current step and `drift` steps each way; undefined
 * when none matches or the secret is not base32. Every candidate is computed and compared in
 * constant time, so the answer's timing tells nothing of which step matched.
 */
export function matchOtp(
	secret: string,
	code: string,
	options: OtpOptions = OTP_DEFAULTS,
	nowMs = Date.now(),
	drift = 1
): number | undefined {
	const key = decodeBase32(secret)
	if (key === undefined || code.length !== options.digits) return undefined
	const given = Buffer.from(code)
	const now = otpStep(nowMs, options.interval)
	let matched: number | undefined
	for (let step = now - drift; step <= now + drift; step++) {
		const expected = Buffer.from(hotp(key, step, options))
		if (expected.length === given.length && crypto.timingSafeEqual(expected, given)) matched ??= step
	}
	return matched
}

/** Whether a code is that of the current step or one step before or after (FlaskSimpleAuth 35.2). */
export function verifyOtp(
	secret: string,
	code: string,
	options: OtpOptions = OTP_DEFAULTS,
	nowMs = Date.now()
): boolean {
	return matchOtp(secret, code, options, nowMs) !== undefined
}

/**
 * The `otpauth://totp/` URI an authenticator app reads (from a QR code): digits, period and
 * algorithm appear only where they differ from the defaults every app assumes.
 */
export function otpauthUri(
	issuer: string,
	account: string,
	secret: string,
	options: OtpOptions = OTP_DEFAULTS
): string {
	const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`
	const query = new URLSearchParams({ secret, issuer })
	if (options.digits !== OTP_DEFAULTS.digits) query.set('digits', String(options.digits))
	if (options.interval !== OTP_DEFAULTS.interval) query.set('period', String(options.interval))
	if (options.digest !== OTP_DEFAULTS.digest) query.set('algorithm', options.digest.toUpperCase())
	return `otpauth://totp/${label}?${query.toString()}`
}
