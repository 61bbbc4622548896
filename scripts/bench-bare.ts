/**
 * A bare Elysia server with the open route only, the baseline of scripts/bench.ts. With
 * --same-work, the route also does by hand what every response of the service must: keep or
 * make an X-Request-Id, add it and X-Content-Type-Options, and write a JSON request log line
 * (to standard output, in batches, as the service does), to tell that work from the framework's.
 * usage: bun scripts/bench-bare.ts PORT [--same-work]
 */
import { Elysia } from 'elysia'
import { stdoutLog } from '../src/logging'

const port = Number(process.argv[2] ?? 5000)
const sameWork = process.argv.includes('--same-work')
const app = new Elysia()
if (!sameWork) app.get('/hello', () => ({ msg: 'hello' }))
else {
	const log = stdoutLog(true)
	let counter = 0
	app.get('/hello', ({ request }) => {
		const start = performance.now()
		const id = request.headers.get('x-request-id') ?? `bare-${++counter}`
		const response = Response.json({ msg: 'hello' })
		response.headers.append('x-content-type-options', 'nosniff')
		response.headers.append('x-request-id', id)
		log.write({
			ts: new Date().toISOString(),
			reqid: id,
			method: request.method,
			path: '/hello',
			status: 200,
			ms: performance.now() - start,
			user: null,
			scheme: null
		})
		return response
	})
}
app.listen({ port, hostname: '127.0.0.1' })
console.log(`bare elysia${sameWork ? ' (same work)' : ''} listening on http://127.0.0.1:${port}`)
