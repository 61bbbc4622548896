/**
 * Real components a test file needs (Redis, PostgreSQL, nginx, Chromium, wrk): where one is
 * missing, its tests are skipped (reported as skipped, the reason in their title and printed),
 * except on CI (the CI variable set), which installs them: there a missing component fails the
 * file rather than letting its tests pass without running.
 */
import { ensurePackage, type Service } from '../../scripts/services'

/** Why tests that need the Debian package `name` cannot run here. */
function missingReason(name: string): string {
	return `${name} is not installed and cannot be installed here (apt-get install ${name})`
}

export function requireServer(name: string, service: Service | undefined): Service | undefined {
	if (service) return service
	const reason = missingReason(name)
	if (process.env.CI) throw new Error(`${reason}: CI installs it, so its tests must run`)
	console.warn(`SKIPPED: ${reason}`)
	return undefined
}

/**
 * The path of a program of the Debian package `name` (`find` looks for it), installed when missing
 * where this process can; undefined where it cannot, on the same rule as `requireServer`.
 */
export async function requireProgram(name: string, find: () => string | null): Promise<string | undefined> {
	if (await ensurePackage(name, () => find() !== null)) return find()!
	const reason = missingReason(name)
	if (process.env.CI) throw new Error(`${reason}: CI installs it, so its tests must run`)
	console.warn(`SKIPPED: ${reason}`)
	return undefined
}

/** The title of tests that need `name`: where it is missing, it says they are skipped and why. */
export function needing(title: string, name: string, present: unknown): string {
	return present ? title : `${title} (skipped: ${name} is not installed)`
}

/** Poll `check` until it is true, for at most `ms`; whether it became true. */
export async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
	const deadline = Date.now() + ms
	while (Date.now() < deadline) {
		if (await check()) return true
		await Bun.sleep(100)
	}
	return false
}

/** The result of `action` and how many milliseconds it took. */
export async function timed<T>(action: () => Promise<T>): Promise<{ value: T; ms: number }> {
	const start = performance.now()
	const value = await action()
	return { value, ms: performance.now() - start }
}
