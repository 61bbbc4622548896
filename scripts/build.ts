/**
 * Compile the Acme service into one self-contained executable, dist/acme.
 * The binary reads no .env or bunfig.toml from its working directory: its configuration
 * comes only from flags, ACME_* variables and the TOML file it is given.
 *
 * --bytecode: the code is compiled ahead to JavaScriptCore bytecode; parsing the bundle was
 * half of the cold start (exec to first 200: 79 ms without, 34 ms with, on the 2-core VM of
 * the README). It needs an entry without top-level await (src/main.ts).
 *
 * Not minified, each flag measured apart (scripts/startup.ts; Elysia's composed handlers
 * compared route by route):
 * - --minify-whitespace and --minify-syntax break Elysia's detection of synchronous hooks: it
 *   reads their source, and rewritten code (`a(); return b` becoming `return a(), b`, spaces
 *   gone) reads as asynchronous, so GET /hello, whose hooks are all synchronous, would be
 *   composed as an async handler and answer through a promise;
 * - --minify-identifiers keeps every handler as it was and passes the binary tests and
 *   scripts/smoke.sh, but saved under 1 ms of CPU time per start (30.0 to 29.4 ms, 25 starts):
 *   within the noise, and not worth stack traces with mangled names.
 */
const outfile = process.argv[2] ?? 'dist/acme'
const command = [
	process.execPath,
	'build',
	'--compile',
	'--bytecode',
	'--no-compile-autoload-dotenv',
	'--no-compile-autoload-bunfig',
	'--outfile',
	outfile,
	'src/main.ts'
]
const build = Bun.spawnSync(command, { stdout: 'inherit', stderr: 'inherit' })
if (build.exitCode !== 0) process.exit(build.exitCode ?? 1)
