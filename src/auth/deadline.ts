/**
 * Time limits on what a request waits for: a dependency that hangs answers 503 in bounded time
 * rather than holding the request.
 */

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
