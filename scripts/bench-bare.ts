/**
 * A bare Elysia server with the open route only, the baseline of scripts/bench.ts. With
 * --work, the route also does by hand some of what every response of the service must, to
 * tell that work from the framework's: `id` keeps the request's X-Request-Id or makes one,
 * `headers` adds X-Request-Id and X-Content-Type-Options, `log` writes the JSON request log
 * line of the request, its path read from it (to standard output, in batches, as the service
 * does). --same-work is all three.
 * usage: bun scripts/bench-bare.ts PORT [--work id,headers,log | --same-work]
 */
import { Elysia } from 'elysia'
import { parseArgs } from 'node:util'
import { isoNow } from '../src/auth/http/request-log'
import { stdoutLog } from '../src/logging'

const WORK = ['id', 'headers', 'log'] as const
const { values, positionals } = parseArgs({
	allowPositionals: true,
	options: { work: { type: 'string', default: '' }, 'same-work': { type: 'boolean', default: false } }
})
const port = Number(positionals[0] ?? 5000)
const work = new Set(values['same-work'] ? WORK : values.work.split(',').filter(Boolean))
for (const name of work)
	if (!(WORK as readonly string[]).includes(name)) throw new Error(`--work: unknown ${name}`)

const app = new Elysia()
if (work.size === 0) app.get('/hello', () => ({ msg: 'hello' }))
else {
	const log = stdoutLog(true)
	let counter = 0
	function hello(request: Request, path: string) {
		const start = performance.now()
		const id = (work.has('id') ? request.headers.get('x-request-id') : null) ?? `bare-${++counter}`
		if (work.has('log'))
			log.write({
				ts: isoNow(), // made once per millisecond, as the service does
				reqid: id,
				method: request.method,
				path,
				status: 200,
				ms: Math.round((performance.now() - start) * 1000) / 1000,
				user: null,
				scheme: null
			})
		if (!work.has('headers')) return { msg: 'hello' }
		// as the service answers plain JSON: Elysia's mapping is slower once headers are set
		const response = Response.json({ msg: 'hello' })
		response.headers.append('x-content-type-options', 'nosniff')
		response.headers.append('x-request-id', id)
		return response
	}
	// the log line names the path asked for, which Elysia reads from the request only for a
	// handler that takes it (Bun builds a request's URL on its first read): as the service's does
	// (a block, not an arrow returning a call's result: Elysia would take the handler as asynchronous)
	if (work.has('log'))
		app.get('/hello', ({ request, path }) => {
			const response = hello(request, path)
			return response
		})
	else
		app.get('/hello', ({ request }) => {
			const response = hello(request, '/hello')
			return response
		})
}
app.listen({ port, hostname: '127.0.0.1' })
console.log(
	`bare elysia${work.size ? ` (${[...work].join(', ')})` : ''} listening on http://127.0.0.1:${port}`
)
