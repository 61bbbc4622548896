/**
 * End to end: the compiled binary, started as a child process on a free port, driven
 * over real HTTP with fetch, and with curl for the tutorial's `curl -X GET -d ...` lines
 * (fetch refuses GET bodies).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import type { Subprocess } from 'bun'
import { basicHeader } from './helpers'
import { version } from '../package.json'

const ROOT = join(import.meta.dir, '..')
const ACME_PASS = 'Acme-Pass-1'
const ACME = `acme:${ACME_PASS}`
const ME = { msg: 'hello', user: 'acme' }
const { stringContaining: contains } = expect
const WAIT_MS = 10_000

// the tutorial's acme.conf after its token section, without FSA_TOKEN_SECRET: the secret is
// then kept in the database, so that tokens survive a restart
const CONFIG = `
FSA_AUTH = ["token", "basic", "param", "none"]
FSA_MODE = "debug1"
FSA_ADD_HEADERS = { Application = "Acme" }
FSA_REALM = "acme"
FSA_PARAM_USER = "username"
FSA_PARAM_PASS = "password"
FSA_TOKEN_DELAY = 10.0
FSA_PASSWORD_OPTS = { memory_cost = 64, time_cost = 1 }
`

let dir: string
let binary: string
let config: string
const running = new Set<Subprocess>()

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'acme-e2e-'))
	binary = join(dir, 'acme')
	const build = Bun.spawnSync([process.execPath, 'scripts/build.ts', binary], {
		cwd: ROOT,
		stdout: 'pipe',
		stderr: 'pipe',
		timeout: 60_000
	})
	if (build.exitCode !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`)
	config = join(dir, 'acme.toml')
	writeFileSync(config, CONFIG)
})

afterAll(() => {
	for (const proc of running) proc.kill('SIGKILL')
	if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The environment of the binary: nothing from ours but PATH, so no ACME_* leaks in. */
const environment = (pass = ACME_PASS) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', ACME_PASS: pass })

interface Server {
	base: string
	/** Send SIGTERM; resolves to the exit code and what the binary printed. */
	stop(): Promise<{ code: number | null; stdout: string }>
}

/** Start the binary on a port the system chooses, and wait until /hello answers. */
async function start(db: string, args: string[] = [], pass = ACME_PASS): Promise<Server> {
	const command = [binary, '--port', '0', '--host', '127.0.0.1', '--db', db, '--config', config, ...args]
	const proc = Bun.spawn(command, { env: environment(pass), stdout: 'pipe', stderr: 'pipe' })
	running.add(proc)
	const reader = proc.stdout.getReader()
	const decoder = new TextDecoder()
	let stdout = ''
	// the port is in the first line the binary prints; give up after WAIT_MS
	const timer = setTimeout(() => proc.kill('SIGKILL'), WAIT_MS)
	let match: RegExpMatchArray | null = null
	while (!(match = stdout.match(/listening on (http:\/\/\S+)/))) {
		const chunk = await reader.read()
		if (chunk.done) {
			clearTimeout(timer)
			throw new Error(`acme did not start:\n${stdout}\n${await new Response(proc.stderr).text()}`)
		}
		stdout += decoder.decode(chunk.value)
	}
	clearTimeout(timer)
	const base = match[1]
	for (let attempt = 0; ; attempt++) {
		const ok = await fetch(`${base}/hello`, { signal: AbortSignal.timeout(1000) }).then(
			(res) => res.ok,
			() => false
		)
		if (ok) break
		if (attempt >= 50) throw new Error(`acme does not answer on ${base}/hello`)
		await Bun.sleep(100)
	}
	return {
		base,
		async stop() {
			proc.kill('SIGTERM')
			const killer = setTimeout(() => proc.kill('SIGKILL'), WAIT_MS)
			const code = await proc.exited
			clearTimeout(killer)
			running.delete(proc)
			for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
				stdout += decoder.decode(chunk.value)
			return { code, stdout }
		}
	}
}

interface CurlResponse {
	status: number
	headers: Record<string, string>
	text: string
	json: any
}

/** Split a command line into words as a shell does, with single and double quotes. */
function words(line: string): string[] {
	const result: string[] = []
	let word: string | null = null
	let quote: string | null = null
	for (const char of line) {
		if (quote !== null) {
			if (char === quote) quote = null
			else word += char
		} else if (char === "'" || char === '"') {
			quote = char
			word ??= ''
		} else if (/\s/.test(char)) {
			if (word !== null) result.push(word)
			word = null
		} else word = (word ?? '') + char
	}
	if (word !== null) result.push(word)
	return result
}

/** `curl -si LINE`, the rest of a tutorial curl line, run and parsed. */
function curl(line: string): CurlResponse {
	const args = ['curl', '-si', '--max-time', '10', ...words(line)]
	const result = Bun.spawnSync(args, { stdout: 'pipe', stderr: 'pipe' })
	if (result.exitCode !== 0) throw new Error(`curl ${line} failed: ${result.stderr}`)
	const raw = result.stdout.toString()
	const split = raw.indexOf('\r\n\r\n')
	const [statusLine, ...lines] = raw.slice(0, split).split('\r\n')
	const headers: Record<string, string> = {}
	for (const header of lines) {
		const colon = header.indexOf(':')
		headers[header.slice(0, colon).toLowerCase()] = header.slice(colon + 1).trim()
	}
	const text = raw.slice(split + 4)
	let json: unknown
	try {
		json = JSON.parse(text)
	} catch {
		json = undefined
	}
	return { status: Number(statusLine.split(' ')[1]), headers, text, json }
}

interface HttpOptions {
	/** "login:password" */
	basic?: string
	bearer?: string
	json?: unknown
}

/** A request over fetch, with Basic credentials or a Bearer token, and a JSON body. */
async function http(method: string, url: string, { basic, bearer, json }: HttpOptions = {}) {
	const headers: Record<string, string> = {}
	if (basic) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`
	if (bearer) headers.authorization = `Bearer ${bearer}`
	if (json !== undefined) headers['content-type'] = 'application/json'
	const res = await fetch(url, {
		method,
		headers,
		body: json === undefined ? undefined : JSON.stringify(json)
	})
	const text = await res.text()
	return {
		status: res.status,
		headers: res.headers,
		text,
		json: text.startsWith('[') || text.startsWith('{') ? JSON.parse(text) : undefined
	}
}

describe('the binary', () => {
	const run = (...args: string[]) => runWith(ACME_PASS, ...args)
	const runWith = (pass: string, ...args: string[]) =>
		Bun.spawnSync([binary, ...args], {
			env: environment(pass),
			stdout: 'pipe',
			stderr: 'pipe',
			timeout: WAIT_MS
		})

	test('--help and --version exit 0', () => {
		const help = run('--help')
		expect(help.exitCode).toBe(0)
		expect(help.stdout.toString()).toContain('--transport T')
		const shown = run('--version')
		expect([shown.exitCode, shown.stdout.toString().trim()]).toEqual([0, version])
	})

	test.each([
		['FSA_AUTH = "basic"\nFSA_TOKEN_DELAI = 3\n', 'FSA_TOKEN_DELAI'],
		['FSA_AUTH = "basic"\nFSA_TOKEN_DELAY = "3"\n', 'FSA_TOKEN_DELAY'],
		['FSA_AUTH = ["basic", "pasword"]\n', 'FSA_AUTH']
	])('a bad configuration %p stops it with a message naming %s', (text, key) => {
		const bad = join(dir, 'bad.toml')
		writeFileSync(bad, text)
		const result = run('--config', bad, '--db', ':memory:', '--port', '0', '--host', '127.0.0.1')
		expect(result.exitCode).toBeGreaterThan(0) // null if it ran until killed
		expect(result.stderr.toString()).toContain(key)
	})

	test('an empty ACME_PASS stops it with a message, not a stack trace', () => {
		const result = runWith('', '--db', ':memory:', '--port', '0', '--host', '127.0.0.1')
		expect(result.exitCode).toBeGreaterThan(0)
		expect(result.stderr.toString().trim()).toBe(
			'acme: configuration error: ACME_PASS: password must not be empty'
		)
	})

	test('an unknown flag stops it with the usage', () => {
		const result = run('--bogus')
		expect(result.exitCode).toBeGreaterThan(0)
		expect(result.stderr.toString()).toContain('usage: acme')
	})
})

describe('node transport: the tutorial curl lines, verbatim', () => {
	let base: string
	let server: Server
	beforeAll(async () => {
		server = await start(join(dir, 'node.db'), ['--transport', 'node'])
		base = server.base
	})
	afterAll(async () => expect((await server.stop()).code).toBe(0))

	test('hello, with the Application and FSA-* headers', () => {
		const res = curl(`-X GET ${base}/hello`)
		expect([res.status, res.json]).toEqual([200, { msg: 'hello', version }])
		const fsa = { application: 'Acme', 'fsa-request': 'GET /hello', 'fsa-user': 'None (None)' }
		expect(res.headers).toMatchObject(fsa)
	})

	test('basic authentication', () => {
		const none = curl(`-X GET ${base}/hello-me`)
		expect([none.status, none.headers['www-authenticate']]).toEqual([401, contains('Basic realm="acme"')])
		expect(curl(`-X GET -u 'meca:Mec0!' ${base}/hello-me`).status).toBe(401)
		expect(curl(`-X GET -u "${ACME}" ${base}/hello-me`).json).toEqual(ME)
		const post = `-X POST -u "${ACME}" -d stuff=pinte -d price=6.5 ${base}/stuff`
		expect([curl(post).status, curl(post).status]).toEqual([201, 409])
		const stuff = curl(`-X GET -u "${ACME}" ${base}/stuff`)
		expect([stuff.status, stuff.json]).toEqual([200, [['pinte', 6.5]]])
	})

	test('param authentication in a GET body', () => {
		const res = curl(`-X GET -d username=acme -d password="${ACME_PASS}" ${base}/hello-me`)
		expect([res.status, res.json]).toEqual([200, ME])
		expect(res.headers['fsa-user']).toBe('acme (param)')
	})

	test('tokens', () => {
		const got = curl(`-X GET -u "${ACME}" ${base}/token`)
		expect([got.status, got.json]).toEqual([200, { token: expect.stringMatching(/^acme:acme:\d{14}:/) }])
		const posted = curl(`-X POST -d username=acme -d password="${ACME_PASS}" ${base}/token`)
		expect(posted.status).toBe(201)
		const me = curl(`-X GET -H "Authorization: Bearer ${posted.json.token}" ${base}/hello-me`)
		expect([me.status, me.json]).toEqual([200, ME])
	})

	test('group and object authorizations', () => {
		const user = (login: string, password: string) =>
			curl(`-X POST -u "${ACME}" -d login="${login}" -d email="${login}@acme.org" \
				-d password='${password}' ${base}/user`).status
		expect(curl(`-X POST -u "${ACME}" ${base}/user`).status).toBe(400)
		expect([user('acme', 'P0ss!'), user('123', 'P1ss!'), user('meca', 'Mec0!')]).toEqual([409, 400, 201])
		expect(curl(`-X GET -u 'meca:Mec0!' ${base}/hello-me`).json.user).toBe('meca')
		expect(user('mace', 'Mac1!')).toBe(201)
		expect(curl(`-X POST -u 'mace:Mac1!' -d stuff=bear -d price=2.0 ${base}/stuff`).status).toBe(201)
		const patch = (login: string) => curl(`-X PATCH -u '${login}' -d price=3.0 ${base}/stuff/bear`)
		expect(patch(ACME).status).toBe(403)
		const changed = patch('mace:Mac1!')
		expect([changed.status, changed.text]).toEqual([200, 'stuff changed: bear'])
	})

	test('days, primes and len with GET bodies', () => {
		const json = '-H "Content-Type: application/json"'
		const days = (data: string) => curl(`-X GET ${data} ${base}/days`)
		expect(days(`-d who='{"name":"Hobbes","born":"2020-07-29"}'`).json.name).toBe('Hobbes')
		expect(days(`${json} -d '{"who":{"name":"Calvin","born":"1970-03-20"}}'`).json.name).toBe('Calvin')
		expect(days(`-d who='{"name":"Calvin","born":"unknown"}'`).status).toBe(400)
		const primes = (data: string) => curl(`-X GET ${data} ${base}/primes`)
		expect(primes('-d li=1 -d li=10 -d li=11').json).toEqual([11])
		expect(primes(`${json} -d '{"li":[1,10,11,20,21,23]}'`).json).toEqual([11, 23])
		expect(primes('-d li=prime -d li=time').status).toBe(400)
		// the tutorial's /len lines omit -X GET: curl -d alone would POST, a 405
		const len = (p: string) => curl(`-X GET -d '${p}' ${base}/len`)
		const lens = ['p={"hi":"w!"}', 'p=[1,2]', 'p="hi!"', 'p=3.14', 'p=null'].map((p) => len(p).json)
		expect(lens.map((json) => json.len)).toEqual([1, 2, 3, 'not available', 'not available'])
		expect([len('p=not-json').status, curl(`-X GET ${base}/len`).status]).toEqual([400, 400])
		expect(curl(`-d 'p=[1,2]' ${base}/len`).status).toBe(405)
	})

	test('malformed request targets get a 4xx, never a 500', async () => {
		const port = Number(new URL(base).port)
		const raw = (target: string) =>
			new Promise<string>((resolve) => {
				let text = ''
				const socket = connect(port, '127.0.0.1', () =>
					socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
				)
				socket.on('data', (data) => (text += data))
				socket.on('close', () => resolve(text.split('\r\n')[0]))
				setTimeout(() => socket.destroy(), WAIT_MS)
			})
		expect(await raw('//[')).toBe('HTTP/1.1 404 Not Found') // a path, as Bun.serve reads it
		expect(await raw('http://[::1/hello')).toBe('HTTP/1.1 400 Bad Request')
	})
})

describe('bun transport', () => {
	let base: string
	let server: Server
	beforeAll(async () => {
		server = await start(join(dir, 'bun.db'))
		base = server.base
	})
	afterAll(async () => expect((await server.stop()).code).toBe(0))

	test('a GET with a body is a 400 that tells to use --transport node or curl -G', () => {
		for (const line of [
			`-X GET -d username=acme -d password="${ACME_PASS}" ${base}/hello-me`,
			`-X GET -d li=7 ${base}/primes`,
			`-X GET -H "Content-Type: application/json" -d '{"p":[1,2]}' ${base}/len`
		]) {
			const res = curl(line)
			expect(res.status).toBe(400)
			expect(res.text).toContain('--transport node')
			expect(res.text).toContain('curl -G')
		}
	})

	test('curl -G sends the same parameters in the query string', () => {
		const me = curl(`-G -d username=acme -d password="${ACME_PASS}" ${base}/hello-me`)
		expect([me.status, me.json]).toEqual([200, ME])
		expect(curl(`-G -d li=1 -d li=10 -d li=11 ${base}/primes`).json).toEqual([11])
		expect(curl(`-G --data-urlencode 'p={"hi":"w!"}' ${base}/len`).json).toEqual({ len: 1 })
	})

	test('stuff over fetch: add, refuse duplicates, list, change by the owner only', async () => {
		const post = () =>
			http('POST', `${base}/stuff`, { basic: ACME, json: { stuff: 'pinte', price: 6.5 } })
		expect((await post()).text).toBe('stuff added: pinte')
		expect((await post()).status).toBe(409)
		const mace = { login: 'mace', password: 'M@c1!', email: 'mace@acme.org' }
		expect((await http('POST', `${base}/user`, { basic: ACME, json: mace })).status).toBe(201)
		const patch = (basic: string) => http('PATCH', `${base}/stuff/pinte`, { basic, json: { price: 7 } })
		expect([(await patch('mace:M@c1!')).status, (await patch(ACME)).status]).toEqual([403, 200])
		const list = await http('GET', `${base}/stuff`, { basic: ACME })
		expect([list.status, list.json]).toEqual([200, [['pinte', 7]]])
	})

	test('bad requests get a clear 4xx and change nothing', async () => {
		const missing = await http('GET', `${base}/nope`)
		expect([missing.status, missing.text]).toEqual([404, 'not found'])
		const wrong = await http('DELETE', `${base}/stuff`, { basic: ACME })
		expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'GET, HEAD, POST'])
		const auth = `-H "Authorization: ${basicHeader('acme', ACME_PASS)}"`
		expect(curl(`-X POST ${auth} ${auth} -d stuff=beer -d price=1 ${base}/stuff`).status).toBe(401)
		const badJson = curl(
			`-X POST -u "${ACME}" -H "Content-Type: application/json" -d '{"stuff":' ${base}/stuff`
		)
		expect([badJson.status, badJson.text]).toEqual([400, 'malformed JSON body'])
		const extra = { stuff: 'beer', price: 1, owner: 'mace' }
		expect((await http('POST', `${base}/stuff`, { basic: ACME, json: extra })).status).toBe(400)
		expect(curl(`-X POST -u 'mace:M@c1!' -d stuff=beer -d price=cheap ${base}/stuff`).status).toBe(400)
		const list = await http('GET', `${base}/stuff`, { basic: ACME })
		expect(list.json.map(([name]: [string]) => name)).not.toContain('beer')
	})
})

describe('restart', () => {
	test('SIGTERM exits 0; data and tokens survive a restart on the same database', async () => {
		const db = join(dir, 'restart.db')
		const first = await start(db)
		const meca = { login: 'meca', password: 'Mec0!', email: 'meca@acme.org' }
		expect((await http('POST', `${first.base}/user`, { basic: ACME, json: meca })).status).toBe(201)
		const { token } = (await http('GET', `${first.base}/token`, { basic: 'meca:Mec0!' })).json
		const toy = { stuff: 'toy', price: 2.72 }
		expect((await http('POST', `${first.base}/stuff`, { bearer: token, json: toy })).status).toBe(201)
		const stopped = await first.stop()
		expect(stopped.code).toBe(0)
		expect(stopped.stdout).toContain('SIGTERM received')

		// again, on the other transport and with another ACME_PASS, which must not reset acme's
		const second = await start(db, ['--transport', 'node'], 'Other-Pass-2')
		const stuff = await http('GET', `${second.base}/stuff`, { bearer: token })
		expect([stuff.status, stuff.json]).toEqual([200, [['toy', 2.72]]])
		const me = (basic: string) => http('GET', `${second.base}/hello-me`, { basic })
		expect((await me('meca:Mec0!')).json.user).toBe('meca')
		expect([(await me(ACME)).status, (await me('acme:Other-Pass-2')).status]).toEqual([200, 401])
		expect((await second.stop()).code).toBe(0)

		// a new database has a token secret of its own
		const other = await start(join(dir, 'other.db'))
		expect((await http('GET', `${other.base}/hello-me`, { bearer: token })).status).toBe(401)
		expect((await other.stop()).code).toBe(0)
	})
})
