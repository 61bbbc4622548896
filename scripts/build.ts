/**
 * Compile the Acme service into one self-contained executable, dist/acme.
 * The binary reads no .env or bunfig.toml from its working directory: its configuration
 * comes only from flags, ACME_* variables and the TOML file it is given.
 * Not minified: Elysia reads its hooks' source to tell the synchronous ones (a minifier
 * rewrites `a(); return b` as `return a(), b`, which reads as asynchronous), and a route whose
 * hooks are all synchronous runs without a promise.
 */
const outfile = process.argv[2] ?? 'dist/acme'
const command = [
	process.execPath,
	'build',
	'--compile',
	// parsing the 2.8 MB bundle took about half the cold start; bytecode is loaded instead
	'--bytecode',
	'--no-compile-autoload-dotenv',
	'--no-compile-autoload-bunfig',
	'--outfile',
	outfile,
	'src/main.ts'
]
const build = Bun.spawnSync(command, { stdout: 'inherit', stderr: 'inherit' })
if (build.exitCode !== 0) process.exit(build.exitCode ?? 1)
