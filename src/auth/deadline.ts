/**
 * Reaching a dependency (Redis, PostgreSQL): time limits on what a request waits for, so that
 * one that hangs answers 503 in bounded time rather than holding the request, and its address
 * as messages name it.
 */

/** host:port of a server's URL, for messages and the log: never its user or password. */
export function serverAddress(url: string, defaultPort: number): string {
	try {
		const { hostname, port } = new URL(url)
		return `${hostname}:${port || defaultPort}`
	} catch {
		return 'the configured address'
	}
}

export class DeadlineExceeded extends Error {
	override name = 'DeadlineExceeded'
}

/** `promise`, or a DeadlineExceeded rejection after `ms` when it has not settled by then. */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined
	const deadline = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => reject(new DeadlineExceeded(`no answer within ${ms} ms`)), ms)
	})
	return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}
