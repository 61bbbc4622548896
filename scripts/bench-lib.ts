/**
 * Helpers of scripts/bench.ts: child processes (always stopped), wrk (install, Lua scripts,
 * output parsing), server start-up, memory and CPU accounting.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'

export const HOST = '127.0.0.1'
let tempDir: string | undefined

/** A path in the benchmark's temp dir, created on first use and removed by cleanup(). */
export function tempPath(name: string): string {
	tempDir ??= mkdtempSync(join(tmpdir(), 'acme-bench-'))
	return join(tempDir, name)
}

// ---- child processes ------------------------------------------------------------------

const children = new Set<Subprocess>()

export function spawn(cmd: string[], options: { env?: Record<string, string>; log?: string } = {}) {
	const out = options.log ? Bun.file(options.log) : 'ignore'
	const child = Bun.spawn(cmd, {
		env: { ...process.env, ...options.env },
		stdin: 'ignore',
		stdout: out,
		stderr: out
	})
	children.add(child)
	void child.exited.then(() => children.delete(child))
	return child
}

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child: Subprocess, graceMs = 3000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return
	child.kill('SIGTERM')
	const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
	await child.exited
	clearTimeout(timer)
}

/** Stop every child still running and remove the temp dir; safe to call twice. */
export async function cleanup(): Promise<void> {
	await Promise.all([...children].map((child) => stop(child)))
	if (tempDir) rmSync(tempDir, { recursive: true, force: true })
}
// last resort when the process exits without going through cleanup()
process.on('exit', () => {
	for (const child of children) child.kill('SIGKILL')
})

/** Run a command to completion, output shown; returns its exit code. */
export async function run(cmd: string[]): Promise<number> {
	console.log(`$ ${cmd.join(' ')}`)
	const child = Bun.spawn(cmd, { stdout: 'inherit', stderr: 'inherit', stdin: 'ignore' })
	children.add(child)
	const code = await child.exited
	children.delete(child)
	return code
}

/** The commit benchmarked, marked when src/ has uncommitted changes ("unknown" outside git). */
export function sourceVersion(): string {
	const git = (...args: string[]) => Bun.spawnSync(['git', ...args], { stderr: 'ignore' })
	const head = git('rev-parse', '--short', 'HEAD')
	if (head.exitCode !== 0) return 'unknown'
	const dirty = git('status', '--porcelain', 'src').stdout.toString().trim() !== ''
	return head.stdout.toString().trim() + (dirty ? '+modified' : '')
}

// ---- wrk ------------------------------------------------------------------------------

/** Make sure wrk is on PATH, installing the Debian package when it is not. */
export async function ensureWrk(): Promise<string> {
	const found = Bun.which('wrk')
	if (found) return found
	console.log('wrk not found: installing it with apt-get install -y wrk')
	if ((await run(['apt-get', 'install', '-y', 'wrk'])) !== 0) {
		console.log('apt-get install failed: running apt-get update and trying again')
		await run(['apt-get', 'update'])
		await run(['apt-get', 'install', '-y', 'wrk'])
	}
	const installed = Bun.which('wrk')
	if (!installed)
		throw new Error(
			'wrk is missing and could not be installed (apt-get install -y wrk needs root and Debian); ' +
				'install wrk and run the benchmark again'
		)
	return installed
}

export interface WrkResult {
	rps: number
	p50Ms: number
	p99Ms: number
	requests: number
	non2xx: number
	socketErrors: number
	/** CPU time wrk itself used, ms. */
	cpuMs: number
}

/** Milliseconds per unit; microseconds are divided instead (350us is 0.35 ms, not 0.35000000000000003). */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000 }

function toMs(text: string): number {
	const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text)
	if (!match) throw new Error(`unexpected wrk latency: ${text}`)
	const value = Number(match[1])
	return match[2] === 'us' ? value / 1000 : value * UNITS[match[2]]
}

/** Parse the output of `wrk --latency`. */
export function parseWrk(output: string): Omit<WrkResult, 'cpuMs'> {
	const rps = /Requests\/sec:\s+([\d.]+)/.exec(output)
	const p50 = /^\s*50%\s+(\S+)/m.exec(output)
	const p99 = /^\s*99%\s+(\S+)/m.exec(output)
	const requests = /(\d+) requests in/.exec(output)
	if (!rps || !p50 || !p99 || !requests) throw new Error(`cannot parse wrk output:\n${output}`)
	const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
	return {
		rps: Number(rps[1]),
		p50Ms: toMs(p50[1]),
		p99Ms: toMs(p99[1]),
		requests: Number(requests[1]),
		non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
		socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0
	}
}

export interface WrkOptions {
	url: string
	seconds: number
	threads: number
	connections: number
	script?: string
	/** Seconds after which wrk counts a request as a timeout. @default 2 */
	timeout?: number
	/** The CPUs wrk runs on (taskset's list), all when undefined. */
	cpus?: string
}

/** A command run on the CPUs of `cpus` (taskset's list), or as it is when undefined. */
export function onCpus(cmd: string[], cpus: string | undefined): string[] {
	return cpus === undefined ? cmd : ['taskset', '-c', cpus, ...cmd]
}

/** Run wrk, bounded in time (killed 15 s after its duration). */
export async function wrk(options: WrkOptions): Promise<WrkResult> {
	const { url, seconds, threads, connections, script, timeout = 2 } = options
	const cmd = [
		'wrk',
		'--latency',
		'--timeout',
		`${timeout}s`,
		`-t${threads}`,
		`-c${connections}`,
		`-d${seconds}s`
	]
	if (script) cmd.push('-s', script)
	const child = Bun.spawn(onCpus([...cmd, url], options.cpus), {
		stdout: 'pipe',
		stderr: 'pipe',
		stdin: 'ignore'
	})
	children.add(child)
	const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000)
	const [output, errors, code] = await Promise.all([
		new Response(child.stdout).text(),
		new Response(child.stderr).text(),
		child.exited
	])
	clearTimeout(timer)
	children.delete(child)
	if (code !== 0) throw new Error(`wrk failed (exit ${code}): ${errors}${output}`)
	const cpuMs = Number(child.resourceUsage()?.cpuTime.total ?? 0n) / 1000
	return { ...parseWrk(output), cpuMs }
}

/** A request as the scenarios describe it, checked with fetch and replayed by wrk. */
export interface RequestSpec {
	method?: string
	path: string
	headers?: Record<string, string>
	body?: string
}

function lua(text: string): string {
	if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`non-ASCII text in a wrk script: ${text}`)
	return JSON.stringify(text) // printable ASCII: a JSON string is a valid Lua string
}

/** Send one request and insist on its status. */
export async function call(base: string, spec: RequestSpec, status = 200): Promise<string> {
	const response = await fetch(base + spec.path, {
		method: spec.method,
		headers: spec.headers,
		body: spec.body
	})
	const text = await response.text()
	if (response.status !== status)
		throw new Error(
			`${spec.method ?? 'GET'} ${spec.path}: expected ${status}, got ${response.status}: ${text}`
		)
	return text
}

/** Write a wrk Lua script sending `spec` (method, headers, body) and return its path. */
export function luaScript(name: string, spec: RequestSpec): string {
	const lines = [`wrk.method = ${lua(spec.method ?? 'GET')}`, `wrk.path = ${lua(spec.path)}`]
	for (const [header, value] of Object.entries(spec.headers ?? {}))
		lines.push(`wrk.headers[${lua(header)}] = ${lua(value)}`)
	if (spec.body !== undefined) lines.push(`wrk.body = ${lua(spec.body)}`)
	const path = tempPath(`${name}.lua`)
	writeFileSync(path, lines.join('\n') + '\n')
	return path
}

/** A wrk script sending basic credentials of a new random user and password on every request. */
export function wrongBasicScript(path: string): string {
	const file = tempPath('wrong-basic.lua')
	writeFileSync(
		file,
		`local chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local function b64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    for k = 3, 0, -1 do
      local idx = math.floor(n / 64 ^ k) % 64
      out[#out + 1] = chars:sub(idx + 1, idx + 1)
    end
    if not b then out[#out] = '='; out[#out - 1] = '=' elseif not c then out[#out] = '=' end
  end
  return table.concat(out)
end
local counter = 0
function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  counter = counter + 1
  local creds = 'intruder' .. counter .. '-' .. math.random(1, 1000000000) .. ':pw' .. math.random(1, 1000000000)
  return wrk.format('GET', ${lua(path)}, { ['Authorization'] = 'Basic ' .. b64(creds) })
end
`
	)
	return file
}

/** A hostile request of the attack scenario, with the status the service must answer it with. */
export interface HostileRequest extends RequestSpec {
	kind: 'huge-primes' | 'deep-json' | 'many-params'
	status: number
}

/** The limits of the service under test (FSA_MAX_DEPTH, FSA_MAX_PARAMS), FlaskSimpleAuth's defaults here. */
export interface HostileLimits {
	maxDepth: number
	maxParams: number
}

/** The `count` largest primes below 2^53, found by `isPrime`: the costliest integers /primes can get. */
export function primesBelow2to53(count: number, isPrime: (n: number) => boolean): number[] {
	const primes: number[] = []
	for (let n = Number.MAX_SAFE_INTEGER; primes.length < count; n -= 2) if (isPrime(n)) primes.push(n)
	return primes
}

/**
 * The hostile requests sent beside the wrong-password flood, all anonymous: /primes with the largest
 * integers it takes, a JSON parameter nested one level past FSA_MAX_DEPTH, and a query string one
 * parameter past FSA_MAX_PARAMS. All but the first must be refused with a 400.
 */
export function hostileRequests(limits: HostileLimits, hugePrimes: number[]): HostileRequest[] {
	const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
	const tooDeep = limits.maxDepth + 1
	const query = (pairs: [string, string | number][]) =>
		pairs.map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`).join('&')
	return [
		{ kind: 'huge-primes', path: `/primes?${query(hugePrimes.map((n) => ['li', n]))}`, status: 200 },
		{ kind: 'deep-json', path: `/len?${query([['p', deep(tooDeep)]])}`, status: 400 },
		{
			kind: 'many-params',
			path: `/primes?${query(Array.from({ length: limits.maxParams + 1 }, (_, i) => ['li', i]))}`,
			status: 400
		}
	]
}

/** A wrk script sending `requests` in turn, each thread starting at a random place in the list. */
export function rotatingScript(name: string, requests: RequestSpec[]): string {
	if (requests.length === 0) throw new Error('a rotating wrk script needs at least one request')
	const formatted = requests.map((spec) => {
		const headers = Object.entries(spec.headers ?? {})
			.map(([header, value]) => `[${lua(header)}] = ${lua(value)}`)
			.join(', ')
		const body = spec.body === undefined ? 'nil' : lua(spec.body)
		return `wrk.format(${lua(spec.method ?? 'GET')}, ${lua(spec.path)}, { ${headers} }, ${body})`
	})
	const file = tempPath(`${name}.lua`)
	writeFileSync(
		file,
		// formatted in init, once wrk has set the Host header
		`local requests = {}
local next = 0
function init(args)
${formatted.map((line) => `  requests[#requests + 1] = ${line}`).join('\n')}
  next = math.random(0, #requests - 1)
end
function request()
  next = next % #requests + 1
  return requests[next]
end
`
	)
	return file
}

// ---- servers --------------------------------------------------------------------------

/** A free loopback TCP port (released just before use). */
export function freePort(): number {
	const server = Bun.serve({ port: 0, hostname: HOST, fetch: () => new Response() })
	const port = server.port!
	server.stop(true)
	return port
}

/**
 * Poll `url` every `pollMs` until it answers 200; fails when `child` exits first or after
 * `timeoutMs`.
 */
export async function waitReady(url: string, child: Subprocess, log: string, timeoutMs = 20000, pollMs = 5) {
	const deadline = performance.now() + timeoutMs
	while (performance.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${readLog(log)}`)
		try {
			if ((await fetch(url)).status === 200) return
		} catch {
			// not listening yet
		}
		await Bun.sleep(pollMs)
	}
	throw new Error(`server not ready after ${timeoutMs} ms at ${url}:\n${readLog(log)}`)
}

function readLog(path: string): string {
	try {
		return readFileSync(path, 'utf8')
	} catch {
		return '(no log)'
	}
}

/** Resident and peak resident memory of a process, in KiB (Linux). */
export function memoryOf(pid: number): { rssKiB: number; hwmKiB: number } {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8')
	const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
	return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') }
}

/**
 * CPU time a process has run so far, every thread, in ms from the scheduler's nanoseconds
 * (Linux /proc/PID/task/TID/schedstat); NaN where they cannot be read. Unlike the clock, it
 * hardly moves when other processes compete for the CPUs.
 */
export function cpuTimeMs(pid: number): number {
	try {
		let nanoseconds = 0
		for (const task of readdirSync(`/proc/${pid}/task`))
			nanoseconds += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0])
		return nanoseconds / 1e6
	} catch {
		return NaN
	}
}

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** Busy and idle CPU ticks of a /proc/stat line ("cpu" for the whole machine, "cpu0"...). */
function cpuTicks(name: string): { busy: number; idle: number } {
	const line = readFileSync('/proc/stat', 'utf8')
		.split('\n')
		.find((text) => text.startsWith(`${name} `))
	if (line === undefined) return { busy: 0, idle: 0 }
	const [user, nice, system, idle, iowait, irq, softirq, steal] = line
		.trim()
		.split(/\s+/)
		.slice(1, 9)
		.map(Number)
	return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait }
}

/** Busy CPU ticks of the whole machine (every CPU), from /proc/stat. */
const machineBusyTicks = () => cpuTicks('cpu').busy

/**
 * Start measuring how busy some CPUs are (taskset's list, e.g. "0" or "1-3"; every CPU when
 * undefined): the returned function gives their busy share since the start, from 0 to 1.
 */
export function cpusBusy(list: string | undefined): () => number {
	const names = list === undefined ? ['cpu'] : expandCpus(list).map((cpu) => `cpu${cpu}`)
	const read = () =>
		names.map(cpuTicks).reduce((a, b) => ({ busy: a.busy + b.busy, idle: a.idle + b.idle }))
	const start = read()
	return () => {
		const end = read()
		const busy = end.busy - start.busy
		const total = busy + end.idle - start.idle
		return total > 0 ? busy / total : 0
	}
}

function expandCpus(list: string): number[] {
	return list.split(',').flatMap((part) => {
		const [from, to = from] = part.split('-').map(Number)
		return Array.from({ length: to - from + 1 }, (_, index) => from + index)
	})
}

/** User and system CPU ticks of one process (every thread). */
function processTicks(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
	return Number(fields[11]) + Number(fields[12]) // utime, stime
}

/**
 * Start measuring the CPU that processes other than the server `pid` and wrk use: the returned
 * function gives their share of the whole machine since the start, given wrk's CPU time in ms.
 * A high share means another workload competed with the benchmark.
 */
export function otherCpu(pid: number): (wrkMs: number) => number {
	const start = { at: performance.now(), busy: machineBusyTicks(), own: processTicks(pid) }
	return (wrkMs) => {
		const elapsed = performance.now() - start.at
		const busy = (machineBusyTicks() - start.busy) * TICK_MS
		const own = (processTicks(pid) - start.own) * TICK_MS + wrkMs
		return Math.max(0, (busy - own) / (elapsed * cpus().length))
	}
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b)
	const mid = sorted.length >> 1
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median, least and greatest of some samples (none: NaN), and the samples themselves. */
export function spread(samples: number[]): { median: number; min: number; max: number; samples: number[] } {
	if (samples.length === 0) return { median: NaN, min: NaN, max: NaN, samples }
	return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples }
}
