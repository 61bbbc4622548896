/**
 * Secrets: compared in constant time, drawn at random.
 */
/** Whether two secrets are equal, in a time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
	const left = Buffer.from(a)
	const right = Buffer.from(b)
	// the global crypto's timingSafeEqual is node's: node:crypto (with node:stream) costs a start ms
	return left.length === right.length && crypto.timingSafeEqual(left, right)
}

/** 32 random bytes as base64url text: a token secret. */
export function randomSecret(): string {
	return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
}
