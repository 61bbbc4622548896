/**
 * The executable as an operator meets it: every start-up failure and every bad command line
 * ends with one clear line and an exit code (1 failure, 2 usage), never a stack trace, a hang
 * or a silent success; one port is one service; ACME_PASS says what it did.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, chownSync, existsSync, readFileSync } from 'node:fs'
import { createServer, type Server as NetServer } from 'node:net'
import { join } from 'node:path'
import { Binary, WAIT_MS, environment, http, type Exit } from '../support/binary'

const CONFIG = `
FSA_AUTH = ["token", "basic", "param", "none"]
FSA_PASSWORD_OPTS = { memory_cost = 64, time_cost = 1 }
FSA_PASSWORD_LENGTH = 5
`

const binary = new Binary('acme-operable-')
let config: string

beforeAll(() => {
	binary.build()
	config = binary.file(CONFIG, 'acme.toml')
})

afterAll(() => binary.cleanup())

/** `acme ARGS` with the test configuration. */
const acme = (args: string[], stdin?: string) => binary.exec([...args, '--config', config], { stdin })

/** A failure told in exactly one line on stderr, nothing on stdout. */
function expectOneLine(exit: Exit, code: number, line: string | RegExp): void {
	expect(exit.killed).toBe(false)
	expect(exit.code).toBe(code)
	const lines = exit.stderr.split('\n').filter((text) => text !== '')
	expect(lines.length, exit.stderr).toBe(1)
	if (typeof line === 'string') expect(lines[0]).toBe(line)
	else expect(lines[0]).toMatch(line)
	expect(exit.stderr).not.toContain('    at ')
}

/** A usage error: its message first, then the usage of the command; exit code 2. */
function expectUsage(exit: Exit, message: string, usage: string): void {
	expect(exit.killed).toBe(false)
	expect(exit.code).toBe(2)
	const [first, second] = exit.stderr.split('\n')
	expect(first).toBe(`acme: ${message}`)
	expect(second).toStartWith(`usage: ${usage}`)
	expect(exit.stdout).toBe('')
}

/** Whether this process may run the binary as `nobody` (root, with setpriv). */
const canDropPrivileges = process.getuid?.() === 0 && Bun.which('setpriv') !== null
const unprivilegedPortStart = (() => {
	try {
		return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'))
	} catch {
		return 1024
	}
})()

/** Run the binary as `nobody`, to its end (killed after the usual wait). */
async function asNobody(args: string[]): Promise<Exit> {
	chmodSync(binary.dir, 0o755)
	const proc = Bun.spawn(
		['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', binary.path, ...args],
		{ env: environment(undefined), stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }
	)
	let killed = false
	const timer = setTimeout(() => {
		killed = true
		proc.kill('SIGKILL')
	}, WAIT_MS)
	const [stdout, stderr] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text()
	])
	await proc.exited
	clearTimeout(timer)
	return { code: proc.exitCode, stdout, stderr, killed }
}

describe('one port, one service', () => {
	for (const transport of ['bun', 'node'])
		test(`a second instance on a port in use exits with 1, naming the port (${transport} transport)`, async () => {
			const first = await binary.start({ config: CONFIG, args: ['--transport', transport] })
			try {
				const second = await binary.run({
					config: CONFIG,
					args: ['--transport', transport, '--port', String(first.port)]
				})
				expectOneLine(second, 1, `acme: port ${first.port} is already in use (on 127.0.0.1)`)
				expect(second.stdout).not.toContain('listening on')
				// the first keeps the port, and answers
				expect((await http('GET', `${first.base}/health`)).status).toBe(200)
			} finally {
				await first.stop()
			}
		})

	test('an address the machine does not have exits with 1', async () => {
		const exit = await binary.run({ config: CONFIG, host: '203.0.113.1' })
		expectOneLine(exit, 1, 'acme: cannot listen on 203.0.113.1: this machine has no such address')
	})

	test.skipIf(!canDropPrivileges || unprivilegedPortStart <= 80)(
		'port 80 without the right exits with 1 (run as nobody; skipped unless root with setpriv)',
		async () => {
			const exit = await asNobody(['--port', '80', '--host', '127.0.0.1', '--db', ':memory:'])
			expectOneLine(
				exit,
				1,
				'acme: no permission to listen on port 80 (ports below 1024 need privileges)'
			)
		}
	)
})

describe('a database that cannot be used stops serve and every command with one line', () => {
	const commands: [string, string[]][] = [
		['serve', ['--port', '0', '--host', '127.0.0.1']],
		['user add', ['user', 'add', 'calvin', '--email', 'c@acme.org']],
		['user list', ['user', 'list']],
		['token create', ['token', 'create', 'calvin']]
	]

	test.each(commands)('a missing directory (%s)', async (_name, args) => {
		const db = join(binary.dir, 'no-such-dir', 'acme.db')
		const exit = await acme([...args, '--db', db], 'Hobbes1\n')
		// serve and user add create a database, the others refuse one that does not exist
		const creates = args[0] === '--port' || args[1] === 'add'
		expectOneLine(
			exit,
			1,
			creates
				? `acme: cannot open SQLite database ${db}: directory ${join(binary.dir, 'no-such-dir')} does not exist`
				: `acme: no database at ${db}: check --db or ACME_DB`
		)
	})

	test.each(commands)('an unsupported URL scheme, never a file of that name (%s)', async (_name, args) => {
		const db = 'mysql://acme:secret@127.0.0.1/acme'
		const refused = await acme([...args, '--db', db], 'Hobbes1\n')
		expectOneLine(
			refused,
			1,
			'acme: unsupported database URL scheme "mysql:": use a SQLite file, :memory: or a postgres:// URL'
		)
		expect(existsSync('mysql:')).toBe(false)
	})

	test.each(commands)(
		'a PostgreSQL URL that does not parse, without showing it (%s)',
		async (_name, args) => {
			const exit = await acme([...args, '--db', 'postgres://acme:s3cret@[::1/acme'], 'Hobbes1\n')
			expectOneLine(
				exit,
				1,
				'acme: the database URL does not parse: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE'
			)
			expect(exit.stderr + exit.stdout).not.toContain('s3cret')
		}
	)

	test('ACME_DB is read like --db', async () => {
		const proc = Bun.spawnSync([binary.path, 'user', 'list', '--config', config], {
			env: { ...environment(undefined), ACME_DB: 'mysql://x/y' }
		})
		expect(proc.exitCode).toBe(1)
		expect(proc.stderr.toString()).toStartWith('acme: unsupported database URL scheme "mysql:"')
	})

	describe('a PostgreSQL server that does not answer', () => {
		let silent: NetServer
		let silentPort: number
		let freePort: number
		beforeAll(async () => {
			// accepts connections and never says a word
			silent = createServer(() => undefined).listen(0, '127.0.0.1')
			await new Promise((resolve) => silent.once('listening', resolve))
			silentPort = (silent.address() as { port: number }).port
			const probe = createServer().listen(0, '127.0.0.1')
			await new Promise((resolve) => probe.once('listening', resolve))
			freePort = (probe.address() as { port: number }).port
			await new Promise((resolve) => probe.close(resolve))
		})
		afterAll(() => void silent.close())

		// each waits out the retry: serve and one command show the shared path
		test.each([commands[0], commands[2]])(
			'refused: the line names host and port, after a short retry (%s)',
			async (_name, args) => {
				const db = `postgres://acme:s3cret@127.0.0.1:${freePort}/acme`
				const exit = await acme([...args, '--db', db], 'Hobbes1\n')
				expectOneLine(
					exit,
					1,
					`acme: cannot use PostgreSQL at 127.0.0.1:${freePort}: connection refused`
				)
				expect(exit.stderr + exit.stdout).not.toContain('s3cret')
			}
		)

		test('silent: gives up within a few seconds, naming host and port', async () => {
			const started = Date.now()
			const exit = await acme(
				['user', 'list', '--db', `postgres://acme:s3cret@127.0.0.1:${silentPort}/acme`],
				''
			)
			expectOneLine(
				exit,
				1,
				`acme: cannot use PostgreSQL at 127.0.0.1:${silentPort}: no answer within 2 seconds`
			)
			// generous: the bound is about 5 s, the machine is shared
			expect(Date.now() - started).toBeLessThan(WAIT_MS)
		})
	})

	test.skipIf(!canDropPrivileges)(
		'a read-only database (run as nobody; skipped unless root with setpriv)',
		async () => {
			const db = join(binary.dir, 'read-only.db')
			expect(
				(await acme(['user', 'add', 'calvin', '--email', 'c@acme.org', '--db', db], 'Hobbes1\n')).code
			).toBe(0)
			chmodSync(config, 0o644)
			// nobody's own file, which nobody may read but not write (databases are created 0600)
			const nobody = Bun.spawnSync(['id', '-u', 'nobody']).stdout.toString().trim()
			const nogroup = Bun.spawnSync(['getent', 'group', 'nogroup']).stdout.toString().split(':')[2]
			chownSync(db, Number(nobody), Number(nogroup))
			chmodSync(db, 0o400)
			for (const args of [
				['--port', '0', '--host', '127.0.0.1'],
				['user', 'list']
			]) {
				const exit = await asNobody([...args, '--db', db, '--config', config])
				expectOneLine(
					exit,
					1,
					`acme: cannot open SQLite database ${db}: attempt to write a readonly database`
				)
			}
		}
	)

	test('a command other than serve and user add refuses a database file that does not exist', async () => {
		const db = join(binary.dir, 'typo.db')
		for (const args of [
			['user', 'list'],
			['user', 'delete', 'calvin'],
			['token', 'create', 'calvin']
		]) {
			expectOneLine(
				await acme([...args, '--db', db]),
				1,
				`acme: no database at ${db}: check --db or ACME_DB`
			)
			expect(existsSync(db)).toBe(false)
		}
	})
})

describe('the command line', () => {
	const USER = 'acme user add LOGIN --email EMAIL'

	test('a usage error names the argument and shows the usage of the command, exit code 2', async () => {
		const db = join(binary.dir, 'usage.db')
		const cases: [string[], string, string][] = [
			[['user', 'add', '--email', 'c@acme.org'], 'user add needs LOGIN', USER],
			[['user', 'add', 'calvin', '--email'], '--email needs a value', USER],
			[['user', 'add', 'calvin', '--email', '--admin'], '--email needs a value', USER],
			[['user', 'add', 'calvin', '--email='], '--email needs a value', USER],
			[['user', 'add', 'calvin'], 'user add needs --email EMAIL', USER],
			[
				['user', 'add', 'calvin', 'hobbes', '--email', 'c@acme.org'],
				'unexpected argument: hobbes',
				USER
			],
			[['user', 'list', '--frob'], 'unknown option: --frob', USER],
			[['user', 'list', '--port', '80'], '--port is not an option of acme user', USER],
			[['user', 'list', '--admin=yes'], '--admin takes no value', USER],
			[
				['token', 'create', 'calvin', '--delay', '-5'],
				'--delay must be a positive number of minutes (got "-5")',
				'acme token create'
			],
			[
				['token', 'create', 'calvin', '--delay=-5'],
				'--delay must be a positive number of minutes (got "-5")',
				'acme token create'
			],
			[['token', 'create'], 'token create needs LOGIN', 'acme token create'],
			[['--port', 'http'], '--port must be a number from 0 to 65535 (got "http")', 'acme [serve]'],
			[['--frob'], 'unknown option: --frob', 'acme [serve]'],
			[['config', 'check', 'a.toml', 'b.toml'], 'unexpected argument: b.toml', 'acme config check'],
			[['frobnicate'], 'unknown command: frobnicate', 'acme [COMMAND]']
		]
		for (const [args, message, usage] of cases)
			expectUsage(await acme([...args, '--db', db], 'Hobbes1\n'), message, usage)
		// nothing was created by a refused command
		expect(existsSync(db)).toBe(false)
	})

	test('--opt=value and --opt value are the same', async () => {
		const db = join(binary.dir, 'equals.db')
		expect(
			(await acme(['user', 'add', 'calvin', '--email=c@acme.org', `--db=${db}`], 'Hobbes1\n')).code
		).toBe(0)
		expect(
			(await acme(['user', 'add', 'susie', '--email', 's@acme.org', '--db', db], 'Derkins1\n')).code
		).toBe(0)
		expect((await acme(['user', 'list', `--db=${db}`])).stdout).toBe(
			'calvin\tc@acme.org\t-\t-\nsusie\ts@acme.org\t-\t-\n'
		)
		for (const delay of [['--delay=5'], ['--delay', '5']])
			expect((await acme(['token', 'create', 'calvin', ...delay, '--db', db])).stdout).toMatch(
				/^\S+\n$/
			)
	})
})

describe('ACME_PASS', () => {
	test('the service says at start whether it created the admin or left it unchanged, never the password', async () => {
		const db = join(binary.dir, 'admin.db')
		const pass = 'Adm1n-Secret'
		const first = await binary.start({ config: CONFIG, db, pass })
		expect((await http('GET', `${first.base}/hello-me`, { basic: `acme:${pass}` })).status).toBe(200)
		const created = await first.stop()
		expect(created.stdout).toContain('acme admin: user acme created from ACME_PASS\n')

		const again = await binary.start({ config: CONFIG, db, pass: 'Other-Pass1' })
		// the password is not changed by a second start with another one
		expect((await http('GET', `${again.base}/hello-me`, { basic: `acme:${pass}` })).status).toBe(200)
		const kept = await again.stop()
		expect(kept.stdout).toContain(
			'acme admin: user acme already exists, left unchanged (ACME_PASS not used)\n'
		)
		for (const output of [created, kept]) {
			expect(output.stdout + output.stderr).not.toContain(pass)
			expect(output.stdout + output.stderr).not.toContain('Other-Pass1')
		}

		const none = await binary.start({ config: CONFIG, db })
		expect((await none.stop()).stdout).not.toContain('acme admin')
	})

	test('a password the rules refuse stops the service with one line', async () => {
		const exit = await binary.run({ config: CONFIG, pass: 'abc' })
		expectOneLine(
			exit,
			1,
			'acme: configuration error: ACME_PASS: password is too short, must be at least 5'
		)
	})
})

describe('configuration errors point at the place', () => {
	const bad: [string, string, string][] = [
		[
			'syntax',
			'FSA_AUTH = "basic"\nFSA_REALM = \n',
			":2:11: not valid TOML: Missing value after '='; values must be on the same line"
		],
		[
			'lower case',
			'FSA_AUTH = "basic"\nfsa_auth = "token"\n',
			':2: fsa_auth: directive names are upper case: did you mean FSA_AUTH?'
		]
	]
	test.each(bad)('%s: config check and serve --config say it in one line', async (_name, text, tail) => {
		const file = binary.file(text)
		const line = `acme: configuration error: ${file}${tail}`
		expectOneLine(await binary.exec(['config', 'check', file]), 1, line)
		expectOneLine(await binary.run({ args: ['--config', file] }), 1, line)
	})
})

describe('/health', () => {
	test('answers 200 without credentials when FSA_AUTH lacks none', async () => {
		const server = await binary.start({
			config: 'FSA_AUTH = ["basic"]\nFSA_PASSWORD_OPTS = { memory_cost = 64, time_cost = 1 }\n'
		})
		try {
			expect((await http('GET', `${server.base}/health`)).status).toBe(200)
			expect((await http('GET', `${server.base}/openapi`)).status).toBe(200)
			expect((await http('GET', `${server.base}/hello-me`)).status).toBe(401)
		} finally {
			await server.stop()
		}
	})
})
