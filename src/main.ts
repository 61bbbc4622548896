/**
 * Entry point of the Acme executable; see `acme --help`.
 * No top-level await: `bun build --compile --bytecode` emits CommonJS, which has none.
 */
import { run } from './cli'

void run(process.argv.slice(2)).then((code) => {
	if (code !== 0) process.exit(code)
})
