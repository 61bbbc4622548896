/**
 * A bare Elysia server with the open route only, the baseline of scripts/bench.ts.
 * usage: bun scripts/bench-bare.ts PORT
 */
import { Elysia } from 'elysia'

const port = Number(process.argv[2] ?? 5000)
new Elysia().get('/hello', () => ({ msg: 'hello' })).listen({ port, hostname: '127.0.0.1' })
console.log(`bare elysia listening on http://127.0.0.1:${port}`)
