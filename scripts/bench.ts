/**
 * Load benchmark of the compiled Acme service with wrk: the open route, each authentication
 * scheme, the stuff routes, a bare Elysia baseline, the node transport, the open route under a
 * wrong-credentials attack with hostile requests beside it (huge primes, deep JSON, too many
 * parameters), cold start (scripts/startup.ts) and memory. Writes bench/results.json and
 * bench/results.svg. The compared scenarios run in interleaved rounds, each alone (req/s and
 * latencies) and side by side with the open route of a twin server on the same CPU: both servers
 * busy at once share that CPU evenly, so the ratio of their req/s is the inverse ratio of their
 * costs per request, whatever the machine does meanwhile (alone, the same build varies by ±20%
 * from one window to the next). Ratios are medians over the rounds. With two CPUs or more (and
 * taskset), the servers run on the first CPU and wrk on the others, so that the load generator
 * does not take the servers' CPU (--no-pin: shared CPUs).
 * FSA_CACHE = "redis" is measured the same way (one instance and its twin on one Redis), then two
 * instances on one PostgreSQL and one Redis behind nginx; `--only redis` runs just those.
 * usage: bun scripts/bench.ts [--duration SECONDS] [--rounds N] [--warmup SECONDS] [--no-pin] [--skip-build] [--only redis]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
	OPEN_TO_BARE,
	OPEN_TO_SAME_WORK,
	resultsChart,
	TARGETS,
	textTable,
	type HostileSummary
} from './bench-report'
import { startPostgres, startRedis } from './services'
import { parseSettings } from '../src/auth'
import { isPrime } from '../src/acme/primes'
import { measureStartups, startupTable, type StartupResult } from './startup'
import {
	HOST,
	onCpus,
	call,
	cleanup,
	cpusBusy,
	ensureWrk,
	freePort,
	hostileRequests,
	luaScript,
	primesBelow2to53,
	rotatingScript,
	median,
	memoryOf,
	otherCpu,
	run,
	sourceVersion,
	spawn,
	stop,
	tempPath,
	waitReady,
	wrk,
	wrongBasicScript,
	type RequestSpec,
	type WrkResult
} from './bench-lib'

const root = join(import.meta.dir, '..')
process.chdir(root)
const { values } = parseArgs({
	options: {
		duration: { type: 'string', default: '2' },
		rounds: { type: 'string', default: '5' },
		warmup: { type: 'string', default: '1' },
		'no-pin': { type: 'boolean', default: false },
		'skip-build': { type: 'boolean', default: false },
		only: { type: 'string' }
	}
})
if (values.only !== undefined && values.only !== 'redis') throw new Error('--only takes redis')
const seconds = Number(values.duration)
const warmup = Number(values.warmup)
const rounds = Number(values.rounds)
if (!Number.isInteger(seconds) || seconds < 1) throw new Error('--duration must be a whole number ≥ 1')
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a whole number ≥ 1')
if (!Number.isInteger(warmup) || warmup < 0) throw new Error('--warmup must be a whole number ≥ 0')
const CPUS = cpus().length
/** Server on CPU 0, wrk on the others: each side has its CPUs to itself. */
const PIN = !values['no-pin'] && CPUS >= 2 && Bun.which('taskset') !== null
const SERVER_CPUS = PIN ? '0' : undefined
const LOAD_CPUS = PIN ? `1-${CPUS - 1}` : undefined
const THREADS = PIN ? CPUS - 1 : 2
const CONNECTIONS = 32
/** Cold starts measured per build (scripts/startup.ts). */
const STARTS = 15

const CONFIG = `FSA_AUTH = ["token", "basic", "param", "apikey", "none"]
FSA_PARAM_USER = "username"
FSA_PARAM_PASS = "password"
FSA_TOKEN_SECRET = "some-long-benchmark-secret-0123456789"
FSA_MODE = "prod"
`
const JWT_CONFIG = CONFIG + 'FSA_TOKEN_TYPE = "jwt"\n'
const ADMIN_PASS = 'Bench-Admin-Pass-1'
const USER = { login: 'bench', password: 'Bench-Pass-1', email: 'bench@example.org' }
const STUFF = ['bench-stuff-1', 'bench-stuff-2', 'bench-stuff-3']

interface Server {
	child: ReturnType<typeof spawn>
	base: string
}

const basic = (login: string, password: string) => `Basic ${btoa(`${login}:${password}`)}`
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
const userBasic = { Authorization: basic(USER.login, USER.password) }

/** Start a server command on a free port and wait for GET /hello. */
async function startServer(
	name: string,
	cmd: (port: number) => string[],
	env = {},
	cpus = SERVER_CPUS
): Promise<Server> {
	const port = freePort()
	const log = tempPath(`${name}.log`)
	const child = spawn(onCpus(cmd(port), cpus), { env, log })
	const base = `http://${HOST}:${port}`
	await waitReady(`${base}/hello`, child, log)
	return { child, base }
}

function acmeCommand(name: string, config: string, extra: string[] = []) {
	const file = tempPath(`${name}.toml`)
	writeFileSync(file, config)
	const db = tempPath(`${name}.db`)
	const flags = ['--host', HOST, '--config', file, '--db', db, ...extra]
	return (port: number) => ['dist/acme', '--port', `${port}`, ...flags]
}

const startAcme = (name: string, config: string, extra: string[] = []) =>
	startServer(name, acmeCommand(name, config, extra), { ACME_PASS: ADMIN_PASS })

const JSON_TYPE = { 'Content-Type': 'application/json' }

/** POST a JSON body with basic credentials, expecting 201. */
const post = (server: Server, path: string, authorization: string, body: unknown) =>
	call(
		server.base,
		{
			method: 'POST',
			path,
			headers: { Authorization: authorization, ...JSON_TYPE },
			body: JSON.stringify(body)
		},
		201
	)

/** Create the benchmark user (as admin) and its stuff, and return a token of the user. */
async function prepare(server: Server, withStuff: boolean): Promise<string> {
	await post(server, '/user', basic('acme', ADMIN_PASS), USER)
	if (withStuff)
		for (const [i, stuff] of STUFF.entries())
			await post(server, '/stuff', userBasic.Authorization, { stuff, price: i + 1 })
	return JSON.parse(await call(server.base, { path: '/token', headers: userBasic })).token
}

/** An API key of the benchmark user, made with its password (POST /key). */
async function makeKey(server: Server): Promise<string> {
	return JSON.parse(await post(server, '/key', userBasic.Authorization, {})).key
}

interface Row {
	name: string
	label: string
	result: WrkResult
	/**
	 * req/s of this scenario over req/s of the open route: side by side for the compared
	 * scenarios, else from windows of their own; null for the attacker itself.
	 */
	ratio: number | null
	/** req/s of each round alone, for the compared scenarios. */
	rounds?: number[]
	/**
	 * The compared scenarios side by side: each round's ratio, the reference's req/s, and the
	 * least busy share of the servers' CPU over the rounds.
	 */
	sideBySide?: { roundsRatio: number[]; referenceRps: number[]; serverCpuBusy: number }
	/** The compared scenarios: the ratio from the rounds alone. */
	soloRatio?: number
	/** Share of the machine's CPU that other processes used during the measurement. */
	otherCpu: number
}
const rows: Row[] = []

const load = (base: string, spec: RequestSpec, script: string | undefined, duration: number) =>
	wrk({
		url: base + spec.path,
		seconds: duration,
		threads: THREADS,
		connections: CONNECTIONS,
		script,
		cpus: LOAD_CPUS
	})

/** Check the request once, warm the server up, then measure it with wrk. */
async function scenario(name: string, label: string, server: Server, spec: RequestSpec): Promise<WrkResult> {
	const script = await prepareScenario(name, server, spec)
	const other = otherCpu(server.child.pid)
	const result = await load(server.base, spec, script, seconds)
	rows.push({ name, label, result, ratio: null, otherCpu: other(result.cpuMs) })
	printResult(label, result, rows.at(-1)!.otherCpu)
	return result
}

function printResult(label: string, result: WrkResult, other: number): void {
	const problems = result.non2xx + result.socketErrors
	console.log(
		`${label}: ${Math.round(result.rps)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
			`other processes ${percent(other)} CPU` +
			(problems ? `  WARNING: ${result.non2xx} non-2xx, ${result.socketErrors} socket errors` : '')
	)
}

/** Check the request once and warm the server up; the wrk script of the request, if any. */
async function prepareScenario(name: string, server: Server, spec: RequestSpec): Promise<string | undefined> {
	await call(server.base, spec)
	const plain = (spec.method ?? 'GET') === 'GET' && !spec.headers && spec.body === undefined
	const script = plain ? undefined : luaScript(name, spec)
	if (warmup > 0) await load(server.base, spec, script, warmup)
	return script
}

interface Compared {
	name: string
	label: string
	server: Server
	spec: RequestSpec
}

/**
 * Measure the compared scenarios in `rounds` interleaved rounds: each alone, then each side by
 * side with the open route of `twin` (a server like the main one, warmed up alike). Each row
 * keeps the round of its median req/s alone (errors summed over the rounds), and as its ratio
 * the median of its side-by-side ratios; the ratio of the rounds alone is kept too.
 */
async function measureRounds(compared: Compared[], twin: Compared[], openName = 'open'): Promise<void> {
	const scripts: (string | undefined)[] = []
	for (const { name, server, spec } of compared) scripts.push(await prepareScenario(name, server, spec))
	const twinScripts: (string | undefined)[] = []
	// a script file of its own: the twin's credentials (its API key) are not the main server's
	for (const { name, server, spec } of twin)
		twinScripts.push(await prepareScenario(`twin-${name}`, server, spec))
	// a second warm-up over all of them: the code they share settles once it has seen every route
	if (warmup > 0) {
		for (const [index, { server, spec }] of compared.entries())
			await load(server.base, spec, scripts[index], warmup)
		for (const [index, { server, spec }] of twin.entries())
			await load(server.base, spec, twinScripts[index], warmup)
	}
	const reference = twin.find((c) => c.name === 'open')!
	const results: WrkResult[][] = compared.map(() => [])
	const others: number[][] = compared.map(() => [])
	const sides: { ratio: number; referenceRps: number; busy: number }[][] = compared.map(() => [])
	for (let round = 1; round <= rounds; round++) {
		for (const [index, { label, server, spec }] of compared.entries()) {
			const other = otherCpu(server.child.pid)
			const result = await load(server.base, spec, scripts[index], seconds)
			results[index].push(result)
			others[index].push(other(result.cpuMs))
			printResult(`round ${round}/${rounds}, ${label}`, result, others[index].at(-1)!)
		}
		for (const [index, { label, server, spec }] of compared.entries()) {
			const [result, ref, busy] = await sideBySide(
				{ base: server.base, spec, script: scripts[index] },
				{ base: reference.server.base, spec: reference.spec }
			)
			const side = { ratio: result.rps / ref.rps, referenceRps: ref.rps, busy }
			sides[index].push(side)
			console.log(
				`round ${round}/${rounds}, ${label} side by side with the open route: ` +
					`${Math.round(result.rps)} and ${Math.round(ref.rps)} req/s, ratio ${side.ratio.toFixed(3)}, ` +
					`servers' CPU ${percent(side.busy)} busy`
			)
		}
	}
	const open = results[compared.findIndex((c) => c.name === openName)]
	for (const [index, { name, label }] of compared.entries()) {
		const byRps = [...results[index]].sort((a, b) => a.rps - b.rps)
		const result = {
			...byRps[Math.floor(byRps.length / 2)],
			non2xx: results[index].reduce((sum, r) => sum + r.non2xx, 0),
			socketErrors: results[index].reduce((sum, r) => sum + r.socketErrors, 0)
		}
		const roundsRatio = sides[index].map((side) => side.ratio)
		rows.push({
			name,
			label,
			result,
			ratio: median(roundsRatio),
			soloRatio: median(results[index].map((r, round) => r.rps / open[round].rps)),
			rounds: results[index].map((r) => r.rps),
			sideBySide: {
				roundsRatio,
				referenceRps: sides[index].map((side) => side.referenceRps),
				serverCpuBusy: Math.min(...sides[index].map((side) => side.busy))
			},
			otherCpu: Math.max(...others[index])
		})
	}
}

interface Load {
	base: string
	spec: RequestSpec
	script?: string
}

/** Two loads at once, on servers sharing their CPUs; the busy share of the servers' CPUs meanwhile. */
async function sideBySide(a: Load, b: Load): Promise<[WrkResult, WrkResult, number]> {
	const busy = cpusBusy(SERVER_CPUS)
	const [first, second] = await Promise.all([
		load(a.base, a.spec, a.script, seconds),
		load(b.base, b.spec, b.script, seconds)
	])
	return [first, second, busy()]
}

/**
 * The open route of a server that has served no other route over a bare Elysia route, side by
 * side in `rounds` windows: the median ratio.
 */
async function firstServedToBare(main: Server, bare: Server): Promise<number> {
	const ratios: number[] = []
	for (let round = 1; round <= rounds; round++) {
		const [first, base] = await sideBySide(
			{ base: main.base, spec: hello },
			{ base: bare.base, spec: hello }
		)
		ratios.push(first.rps / base.rps)
		console.log(
			`round ${round}/${rounds}, GET /hello first served, side by side with bare Elysia: ` +
				`${Math.round(first.rps)} and ${Math.round(base.rps)} req/s, ratio ${ratios.at(-1)!.toFixed(3)}`
		)
	}
	return median(ratios)
}

const percent = (share: number) => `${(share * 100).toFixed(0)}%`
const hello: RequestSpec = { path: '/hello' }
/** The bare routes doing by hand what every response of the service carries (scripts/bench-bare.ts). */
const WORK = [
	{ name: 'bare-id', work: 'id', label: 'GET /hello bare Elysia, request id read' },
	{ name: 'bare-headers', work: 'headers', label: 'GET /hello bare Elysia, two more headers' },
	{ name: 'bare-log', work: 'log', label: 'GET /hello bare Elysia, JSON log line' },
	{ name: 'bare-same', work: 'id,headers,log', label: 'GET /hello bare Elysia, all three by hand' }
]
const helloMe = (headers: Record<string, string>): RequestSpec => ({ path: '/hello-me', headers })

async function main() {
	await ensureWrk()
	if (!values['skip-build'] && (await run([process.execPath, 'run', 'build'])) !== 0)
		throw new Error('bun run build failed')

	// first, while nothing else of the benchmark runs
	const startup = await measureStartups('dist/acme', STARTS)
	console.log(startupTable(startup))

	const bareServer = (name: string, work: string) =>
		startServer(name, (port) => [process.execPath, 'scripts/bench-bare.ts', `${port}`, `--work=${work}`])
	const bare = await bareServer('bare', '')
	// what every response of the service carries, by hand on a bare route: apart, then together
	const bareWork = await Promise.all(WORK.map(({ name, work }) => bareServer(name, work)))
	const main = await startAcme('main', CONFIG)
	// the open route before any other: the code it shares with other routes has seen only it,
	// as in the bare server (measured next to it); the rounds measure it amid every other route
	await scenario('open-first', 'GET /hello, the first route served', main, hello)
	await scenario('bare-first', 'GET /hello bare Elysia, next to it', bare, hello)
	const firstToBare = await firstServedToBare(main, bare)
	const token = await prepare(main, true)
	const key = await makeKey(main)
	// the reference of the side-by-side ratios: a server like the main one, warmed up alike
	const twin = await startAcme('twin', CONFIG)
	const twinToken = await prepare(twin, true)
	const twinKey = await makeKey(twin)
	const jwt = await startAcme('jwt', JWT_CONFIG)
	const jwtToken = await prepare(jwt, false)
	const node = await startAcme('node', CONFIG, ['--transport', 'node'])
	const query = new URLSearchParams({ username: USER.login, password: USER.password })
	const patch = (token: string) => ({
		method: 'PATCH',
		path: `/stuff/${STUFF[0]}`,
		headers: { ...bearer(token), ...JSON_TYPE },
		body: '{"price": 1.5}'
	})
	const mainRoutes = (server: Server, token: string, key: string): Compared[] => [
		{ name: 'open', label: 'GET /hello (open)', server, spec: hello },
		{ name: 'fsa-token', label: 'GET /hello-me fsa token', server, spec: helloMe(bearer(token)) },
		{ name: 'apikey', label: 'GET /hello-me API key', server, spec: helloMe({ 'X-API-Key': key }) },
		{ name: 'basic', label: 'GET /hello-me basic (repeated)', server, spec: helloMe(userBasic) },
		{ name: 'param', label: 'GET /hello-me param', server, spec: { path: `/hello-me?${query}` } },
		{
			name: 'stuff-get',
			label: 'GET /stuff token',
			server,
			spec: { path: '/stuff', headers: bearer(token) }
		},
		{ name: 'stuff-patch', label: 'PATCH /stuff/:sid token', server, spec: patch(token) }
	]
	const [open, fsaToken, apiKey, basicRoute, param, stuffGet, stuffPatch] = mainRoutes(main, token, key)
	await measureRounds(
		[
			open,
			fsaToken,
			apiKey,
			{ name: 'jwt', label: 'GET /hello-me JWT', server: jwt, spec: helloMe(bearer(jwtToken)) },
			basicRoute,
			param,
			stuffGet,
			stuffPatch,
			{ name: 'node', label: 'GET /hello node transport', server: node, spec: hello },
			{ name: 'bare', label: 'GET /hello bare Elysia', server: bare, spec: hello },
			...WORK.map(({ name, label }, index) => ({ name, label, server: bareWork[index], spec: hello }))
		],
		mainRoutes(twin, twinToken, twinKey)
	)
	const afterLoad = memoryOf(main.child.pid)
	await Promise.all([
		stop(jwt.child),
		stop(node.child),
		stop(bare.child),
		...bareWork.map((server) => stop(server.child)),
		stop(twin.child)
	])
	const openRow = rows.find((row) => row.name === 'open')!
	const bareResult = rows.find((row) => row.name === 'bare')!.result

	// the open route while a second wrk sends new wrong basic credentials on every request: on
	// every CPU, as hashing happens on threads of its own
	console.log('attack: open route under wrong basic credentials...')
	if (PIN)
		Bun.spawnSync(['taskset', '-a', '-p', '-c', `0-${CPUS - 1}`, `${main.child.pid}`], {
			stdout: 'ignore'
		})
	await call(main.base, helloMe({ Authorization: basic('intruder', 'wrong') }), 401)
	// beside it, hostile requests: /primes on the largest integers it takes, JSON nested past
	// FSA_MAX_DEPTH, a query string past FSA_MAX_PARAMS (each checked once for its status first)
	const { maxDepth, maxParams } = parseSettings(Bun.TOML.parse(CONFIG) as Record<string, unknown>)
	const hostile = hostileRequests({ maxDepth, maxParams }, primesBelow2to53(200, isPrime))
	for (const request of hostile) await call(main.base, request, request.status)
	const other = otherCpu(main.child.pid)
	const [attacked, attacker, hostileResult] = await Promise.all([
		wrk({ url: main.base + hello.path, seconds, threads: 2, connections: CONNECTIONS }),
		wrk({
			url: `${main.base}/hello-me`,
			seconds,
			threads: 2,
			connections: CONNECTIONS,
			script: wrongBasicScript('/hello-me'),
			timeout: seconds + 5 // a slow 401 is the point: record its latency
		}),
		wrk({
			url: main.base,
			seconds,
			threads: 1,
			connections: CONNECTIONS,
			script: rotatingScript('hostile', hostile),
			timeout: seconds + 5
		})
	])
	const attackOther = other(attacked.cpuMs + attacker.cpuMs + hostileResult.cpuMs)
	for (const [name, label, result] of [
		['open-under-attack', 'GET /hello under attack', attacked],
		['attacker', 'attacker: wrong basic (401)', attacker],
		['hostile', 'hostile: huge primes, deep JSON, many params', hostileResult]
	] as const)
		rows.push({ name, label, result, ratio: null, otherCpu: attackOther })
	const afterAttack = memoryOf(main.child.pid)
	await stop(main.child)

	await withRedis()
	await twoInstances()

	const nginxOpen = rows.find((row) => row.name === 'nginx-open')
	for (const row of rows)
		if (row.name !== 'attacker' && row.name !== 'hostile' && !row.sideBySide)
			row.ratio =
				row.result.rps / (row.name.startsWith('nginx-') && nginxOpen ? nginxOpen : openRow).result.rps
	// the open route over another scenario, side by side: the inverse of that scenario's ratios
	const openTo = (name: string) =>
		median(rows.find((row) => row.name === name)!.sideBySide!.roundsRatio.map((ratio) => 1 / ratio))
	report({
		startup,
		afterLoad,
		afterAttack,
		bareResult,
		open: openRow.result,
		attacked,
		attacker,
		hostile: { result: hostileResult, kinds: hostile.map(({ kind, status }) => ({ kind, status })) },
		openToBare: openTo('bare'),
		openToSameWork: openTo('bare-same'),
		twinRatio: openRow.ratio!,
		firstToBare
	})
}

/**
 * FSA_CACHE = "redis": a server and its twin on one Redis (each its own SQLite file), the open
 * route, a token and repeated basic credentials side by side with the twin's open route.
 */
async function withRedis(): Promise<void> {
	const redis = await startRedis()
	if (!redis) {
		console.log('FSA_CACHE = "redis": SKIPPED (needs redis-server)')
		return
	}
	const config = `${CONFIG}FSA_CACHE = "redis"\nFSA_CACHE_OPTS = { url = "${redis.url}" }\n`
	try {
		const main = await startAcme('redis-main', config)
		const twin = await startAcme('redis-twin', config)
		try {
			const token = await prepare(main, false)
			const twinToken = await prepare(twin, false)
			const routes = (server: Server, token: string): Compared[] => [
				{ name: 'redis-open', label: 'GET /hello (open), FSA_CACHE redis', server, spec: hello },
				{
					name: 'redis-fsa-token',
					label: 'GET /hello-me fsa token, FSA_CACHE redis',
					server,
					spec: helloMe(bearer(token))
				},
				{
					name: 'redis-basic',
					label: 'GET /hello-me basic (repeated), FSA_CACHE redis',
					server,
					spec: helloMe(userBasic)
				}
			]
			const twinRoutes = routes(twin, twinToken).map((route) =>
				route.name === 'redis-open' ? { ...route, name: 'open' } : route
			)
			await measureRounds(routes(main, token), twinRoutes, 'redis-open')
		} finally {
			await Promise.all([stop(main.child), stop(twin.child)])
		}
	} finally {
		await redis.stop()
	}
}

/** `--only redis`: the FSA_CACHE = "redis" scenarios and the two instances behind nginx, and their targets. */
async function onlyRedis(): Promise<void> {
	await ensureWrk()
	if (!values['skip-build'] && (await run([process.execPath, 'run', 'build'])) !== 0)
		throw new Error('bun run build failed')
	await withRedis()
	await twoInstances()
	const nginxOpen = rows.find((row) => row.name === 'nginx-open')
	for (const row of rows)
		if (!row.sideBySide && nginxOpen) row.ratio = row.result.rps / nginxOpen.result.rps
	const table = rows.map((row) => [
		row.label,
		Math.round(row.result.rps).toString(),
		row.result.p50Ms.toFixed(2),
		row.result.p99Ms.toFixed(2),
		row.ratio === null ? '-' : row.ratio.toFixed(2),
		(row.result.non2xx + row.result.socketErrors).toString()
	])
	console.log(`\n${textTable(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'errors'], table)}\n`)
	console.log('targets:')
	for (const [name, want] of Object.entries(TARGETS)) {
		const row = rows.find((candidate) => candidate.name === name)
		if (row?.ratio == null) continue
		console.log(
			`  ${row.ratio >= want ? 'HOLDS ' : 'MISSED'}  ${row.label} ≥ ${want}× open: ${row.ratio.toFixed(2)}×`
		)
	}
}

/**
 * Two instances on one PostgreSQL and one Redis behind nginx (docs/nginx.conf): the open route
 * and a token route through the proxy. Skipped, with a message, when a component is missing.
 */
async function twoInstances(): Promise<void> {
	const nginx = Bun.which('nginx') ?? '/usr/sbin/nginx'
	const [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
	if (!postgres || !redis || !(await Bun.file(nginx).exists())) {
		console.log('two instances behind nginx: SKIPPED (needs postgresql, redis-server and nginx)')
		await Promise.all([postgres?.stop(), redis?.stop()])
		return
	}
	const config = `${CONFIG}FSA_CACHE = "redis"\nFSA_CACHE_OPTS = { url = "${redis.url}" }\nFSA_TRUSTED_PROXIES = ["${HOST}"]\n`
	const file = tempPath('scaled.toml')
	writeFileSync(file, config)
	const instance = (port: number) => [
		'dist/acme',
		'--port',
		`${port}`,
		'--host',
		HOST,
		'--config',
		file,
		'--db',
		postgres.url
	]
	// two instances, nginx, PostgreSQL and Redis share every CPU
	const a = await startServer('scaled-a', instance, { ACME_PASS: ADMIN_PASS }, undefined)
	const b = await startServer('scaled-b', instance, {}, undefined)
	const port = freePort()
	const prefix = tempPath('nginx')
	mkdirSync(prefix, { recursive: true })
	const conf = (await Bun.file('docs/nginx.conf').text())
		.replace('127.0.0.1:5001', a.base.replace('http://', ''))
		.replace('127.0.0.1:5002', b.base.replace('http://', ''))
		.replace('127.0.0.1:8080', `${HOST}:${port}`)
	writeFileSync(join(prefix, 'nginx.conf'), conf)
	const proxy = spawn(
		[nginx, '-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', `daemon off; pid ${prefix}/nginx.pid;`],
		{
			log: tempPath('nginx.log')
		}
	)
	try {
		const front: Server = { child: a.child, base: `http://${HOST}:${port}` }
		await waitReady(`${front.base}/hello`, proxy, tempPath('nginx.log'))
		const token = await prepare(front, false)
		await scenario('nginx-open', 'GET /hello, 2 instances via nginx', front, hello)
		await scenario(
			'nginx-token',
			'GET /hello-me fsa token, 2 instances via nginx',
			front,
			helloMe(bearer(token))
		)
	} finally {
		await stop(proxy)
		await Promise.all([stop(a.child), stop(b.child)])
		await Promise.all([postgres.stop(), redis.stop()])
	}
}

function report(run: {
	startup: StartupResult[]
	afterLoad: ReturnType<typeof memoryOf>
	afterAttack: ReturnType<typeof memoryOf>
	bareResult: WrkResult
	open: WrkResult
	attacked: WrkResult
	attacker: WrkResult
	hostile: HostileSummary
	openToBare: number
	openToSameWork: number
	/** The open route side by side with the same route of the twin server: 1 but for the method's error. */
	twinRatio: number
	firstToBare: number
}) {
	const ratio = (name: string) => rows.find((row) => row.name === name)!.ratio!
	const bare = run.openToBare
	const targets = [
		// a scenario skipped (its servers missing) has no target to hold
		...Object.entries(TARGETS)
			.filter(([name]) => rows.some((row) => row.name === name))
			.map(([name, want]) => ({
				target: `${rows.find((row) => row.name === name)!.label} ≥ ${want}× open`,
				value: ratio(name),
				want
			})),
		// the open route's target proper: against a bare route doing the same per-response work by hand
		{
			target: `GET /hello (open) ≥ ${OPEN_TO_SAME_WORK}× bare Elysia doing the same per-response work`,
			value: run.openToSameWork,
			want: OPEN_TO_SAME_WORK
		},
		{
			target: `GET /hello (open) ≥ ${OPEN_TO_BARE}× bare Elysia, amid every route`,
			value: bare,
			want: OPEN_TO_BARE
		},
		{
			target: `GET /hello (open) ≥ ${OPEN_TO_BARE}× bare Elysia, the first route served`,
			value: run.firstToBare,
			want: OPEN_TO_BARE
		}
	].map((t) => ({ ...t, held: t.value >= t.want }))

	const header = [
		'scenario',
		'req/s',
		'p50 ms',
		'p99 ms',
		'ratio',
		'alone',
		'non-2xx',
		'errors',
		'other CPU'
	]
	const table = rows.map((row) => [
		row.label,
		Math.round(row.result.rps).toString(),
		row.result.p50Ms.toFixed(2),
		row.result.p99Ms.toFixed(2),
		row.ratio === null ? '-' : row.ratio.toFixed(2),
		row.soloRatio === undefined ? '-' : row.soloRatio.toFixed(2),
		row.result.non2xx.toString(),
		row.result.socketErrors.toString(),
		percent(row.otherCpu)
	])
	console.log(`\n${textTable(header, table)}\n`)
	console.log(
		'ratio: to the open route, side by side on the same CPU for the compared scenarios (median of ' +
			`${rounds} rounds); alone: the same from windows of their own, as noisy as the machine`
	)
	console.log(
		`method check: the open route side by side with the same route of a twin server: ${run.twinRatio.toFixed(3)}×`
	)
	const idle = rows.filter((row) => row.sideBySide && row.sideBySide.serverCpuBusy < 0.95)
	if (idle.length > 0)
		console.log(
			`WARNING: the servers' CPU was not always busy side by side (${idle.map((row) => row.name).join(', ')}): ` +
				'wrk may have been the bottleneck, and those ratios pulled towards 1'
		)

	const mib = (kib: number) => (kib / 1024).toFixed(1)
	console.log(
		`open route p99: ${run.open.p99Ms.toFixed(2)} ms alone, ${run.attacked.p99Ms.toFixed(2)} ms under attack ` +
			`(attacker: ${run.attacker.requests} requests, p99 ${run.attacker.p99Ms.toFixed(2)} ms, ` +
			`${run.attacker.socketErrors} socket errors; hostile requests beside it: ` +
			`${run.hostile.result.requests} sent (${run.hostile.kinds.map((k) => `${k.kind} ${k.status}`).join(', ')}), ` +
			`${run.hostile.result.non2xx} non-2xx, p99 ${run.hostile.result.p99Ms.toFixed(2)} ms)`
	)
	console.log(
		`cold start, exec to first 200 on /health (${STARTS} starts each):\n${startupTable(run.startup)}`
	)
	console.log(
		`main server memory: VmRSS ${mib(run.afterLoad.rssKiB)} MiB after the load, ` +
			`${mib(run.afterAttack.rssKiB)} MiB after the attack (peak VmHWM ${mib(run.afterAttack.hwmKiB)} MiB)`
	)
	// the second instance, nginx, PostgreSQL and Redis are part of the nginx scenarios
	const busiest = Math.max(
		...rows.filter((row) => !row.name.startsWith('nginx-')).map((row) => row.otherCpu)
	)
	if (busiest > 0.1)
		console.log(
			`WARNING: other processes used up to ${percent(busiest)} of the machine's CPU during the ` +
				'measurements: the numbers are noisy, run again on a quiet machine'
		)
	// the share of a bare route's cost a piece of per-response work adds
	const workShare = (name: string) => ratio('bare') / ratio(name) - 1
	const extra = (name: string) => `+${(workShare(name) * 100).toFixed(0)}%`
	console.log(
		`what every response carries, in a bare route's cost: request id read ${extra('bare-id')}, two more headers ` +
			`${extra('bare-headers')}, JSON log line ${extra('bare-log')}, all three ${extra('bare-same')}; ` +
			`the open route runs at ${run.openToSameWork.toFixed(2)}× the bare route doing all three by hand ` +
			'(what the framework itself costs)'
	)
	console.log('\ntargets:')
	for (const t of targets)
		console.log(`  ${t.held ? 'HOLDS ' : 'MISSED'}  ${t.target}: ${t.value.toFixed(2)}×`)

	mkdirSync('bench', { recursive: true })
	const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Bun ${Bun.version}`
	const commit = sourceVersion()
	const results = {
		date: new Date().toISOString(),
		machine,
		commit,
		wrk: {
			durationSeconds: seconds,
			rounds,
			warmupSeconds: warmup,
			threads: THREADS,
			connections: CONNECTIONS,
			pinned: PIN ? { server: SERVER_CPUS!, wrk: LOAD_CPUS! } : (false as const)
		},
		scenarios: rows.map(
			({ name, label, result, ratio, soloRatio, rounds: perRound, sideBySide, otherCpu }) => ({
				name,
				label,
				...result,
				ratio,
				...(soloRatio === undefined ? {} : { soloRatio }),
				...(perRound ? { roundsRps: perRound } : {}),
				...(sideBySide ? { sideBySide } : {}),
				otherCpu
			})
		),
		attack: {
			openAloneP99Ms: run.open.p99Ms,
			openUnderAttackP99Ms: run.attacked.p99Ms,
			attacker: run.attacker,
			hostile: run.hostile
		},
		openToBare: run.openToBare,
		openToBareSameWork: run.openToSameWork,
		perResponseWork: Object.fromEntries(WORK.map(({ name, work }) => [work, workShare(name)])),
		firstServedToBare: run.firstToBare,
		twinRatio: run.twinRatio,
		startup: Object.fromEntries(run.startup.map(({ name, ...result }) => [name, result])),
		memory: { afterLoad: run.afterLoad, afterAttack: run.afterAttack },
		targets
	}
	writeFileSync('bench/results.json', JSON.stringify(results, null, '\t') + '\n')
	writeFileSync('bench/results.svg', resultsChart(results))
	console.log(`\nwrote bench/results.json and bench/results.svg (commit ${commit})`)
}

// the whole run is bounded: every scenario plus build and start-ups
const budgetMs = (30 * rounds * seconds + 24 * (seconds + 2 * warmup + 10) + 300) * 1000
const watchdog = setTimeout(() => {
	console.error(`bench: still running after ${budgetMs / 1000} s, giving up`)
	void cleanup().then(() => process.exit(1))
}, budgetMs)
for (const signal of ['SIGINT', 'SIGTERM'] as const)
	process.on(signal, () => {
		console.error(`bench: ${signal} received, stopping every process started`)
		void cleanup().then(() => process.exit(130))
	})

let failed = false
try {
	await (values.only === 'redis' ? onlyRedis() : main())
} catch (error) {
	failed = true
	console.error(`bench: ${error instanceof Error ? error.message : error}`)
} finally {
	clearTimeout(watchdog)
	await cleanup()
}
process.exit(failed ? 1 : 0)
