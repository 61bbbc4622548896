/**
 * End to end: the compiled binary, started as a child process on a free port, driven
 * over real HTTP with fetch, and with curl for the tutorial's `curl -X GET -d ...` lines
 * (fetch refuses GET bodies).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { Binary, curl as curlArgs, exchange, http, type Server } from '../support/binary'
import { basicHeader } from '../support/helpers'
import { version } from '../../package.json'

const ACME_PASS = 'Acme-Pass-1'
const ACME = `acme:${ACME_PASS}`
const ME = { msg: 'hello', user: 'acme' }
const { stringContaining: contains } = expect

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

const binary = new Binary('acme-e2e-')
const dir = binary.dir

beforeAll(() => {
	binary.build()
})

afterAll(() => binary.cleanup())

/** Start the binary with CONFIG on a port the system chooses, and wait until /hello answers. */
const start = (db: string, args: string[] = [], pass = ACME_PASS): Promise<Server> =>
	binary.start({ config: CONFIG, db, args, pass })

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
const curl = (line: string) => curlArgs(...words(line))

describe('the binary', () => {
	const run = (...args: string[]) => runWith(ACME_PASS, ...args)
	const runWith = (pass: string, ...args: string[]) => binary.exec(args, { pass })

	test('--help and --version exit 0', async () => {
		const help = await run('--help')
		expect(help.code).toBe(0)
		expect(help.stdout).toContain('--transport T')
		const shown = await run('--version')
		expect([shown.code, shown.stdout.trim()]).toEqual([0, version])
	})

	test.each([
		['FSA_AUTH = "basic"\nFSA_TOKEN_DELAI = 3\n', 'FSA_TOKEN_DELAI'],
		['FSA_AUTH = "basic"\nFSA_TOKEN_DELAY = "3"\n', 'FSA_TOKEN_DELAY'],
		['FSA_AUTH = ["basic", "pasword"]\n', 'FSA_AUTH']
	])('a bad configuration %p stops it with a message naming %s', async (text, key) => {
		const bad = binary.file(text, 'bad.toml')
		const result = await run('--config', bad, '--db', ':memory:', '--port', '0', '--host', '127.0.0.1')
		expect(result.code).toBeGreaterThan(0) // null if it ran until killed
		expect(result.stderr).toContain(key)
	})

	test('an empty ACME_PASS stops it with a message, not a stack trace', async () => {
		const result = await runWith('', '--db', ':memory:', '--port', '0', '--host', '127.0.0.1')
		expect(result.code).toBeGreaterThan(0)
		expect(result.stderr.trim()).toBe('acme: configuration error: ACME_PASS: password must not be empty')
	})

	test('an unknown flag stops it with the usage', async () => {
		const result = await run('--bogus')
		expect(result.code).toBeGreaterThan(0)
		expect(result.stderr).toContain('usage: acme')
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
		// the tutorial's six /len lines omit -X GET: curl -d alone sends a POST, which FlaskSimpleAuth
		// answers with a 405 (/len is a GET route), and so does Acme; with -X GET they give the lengths
		const len = (p: string) => curl(`-X GET -d '${p}' ${base}/len`)
		const lens = ['p={"hi":"w!"}', 'p=[1,2]', 'p="hi!"', 'p=3.14', 'p=null'].map((p) => len(p).json)
		expect(lens.map((json) => json.len)).toEqual([1, 2, 3, 'not available', 'not available'])
		expect([len('p=not-json').status, curl(`-X GET ${base}/len`).status]).toEqual([400, 400])
		const verbatim = ['p={"hi":"w!"}', 'p=[1,2]', 'p="hi!"', 'p=3.14', 'p=null', 'p=not-json'].map((p) =>
			curl(`-d '${p}' ${base}/len`)
		)
		expect(verbatim.map((res) => [res.status, res.headers.allow])).toEqual(
			Array(6).fill([405, 'GET, HEAD'])
		)
	})

	test('malformed request targets get a 4xx, never a 500', async () => {
		const port = Number(new URL(base).port)
		const raw = async (target: string) =>
			(await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))
				.toString()
				.split('\r\n')[0]
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
