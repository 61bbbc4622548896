/**
 * Real servers a test file needs (Redis, PostgreSQL): where one is missing, its tests are skipped
 * with the reason printed, except on CI (the CI variable set), which installs them: there a
 * missing server fails the file rather than letting its tests pass without running.
 */
import type { Service } from '../../scripts/services'

export function requireServer(name: string, service: Service | undefined): Service | undefined {
	if (service) return service
	const reason = `${name} is not installed and cannot be installed here (apt-get install ${name})`
	if (process.env.CI) throw new Error(`${reason}: CI installs it, so its tests must run`)
	console.warn(`SKIPPED: ${reason}`)
	return undefined
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
