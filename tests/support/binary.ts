/**
 * The compiled Acme executable in tests: build it once into a temporary directory, start it
 * on a free port with a TOML configuration, read what it prints while it runs (both pipes
 * are drained all along, so that they never fill), talk to it over fetch, curl or a raw
 * socket, and stop it with a signal (then SIGKILL after a bounded wait). Every wait is bounded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { parseJson, readResponse, type TestResponse } from './helpers'

const ROOT = join(import.meta.dir, '..', '..')
/** Longest wait for anything the binary does: start, answer, stop. */
export const WAIT_MS = 10_000

/** The environment of the binary: nothing from ours but PATH, so no ACME_* leaks in. */
export const environment = (pass: string | undefined) => {
	const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' }
	if (pass !== undefined) env.ACME_PASS = pass
	return env
}

/** A TOML value: strings, numbers, booleans, arrays and inline tables. */
export function tomlValue(value: unknown): string {
	if (typeof value === 'string') return JSON.stringify(value)
	if (typeof value === 'number' || typeof value === 'boolean') return String(value)
	if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`
	if (value !== null && typeof value === 'object')
		return `{ ${Object.entries(value)
			.map(([key, item]) => `${JSON.stringify(key)} = ${tomlValue(item)}`)
			.join(', ')} }`
	throw new Error(`no TOML for ${String(value)}`)
}

/** A TOML document of top-level keys. */
export function toml(config: Record<string, unknown>): string {
	return Object.entries(config)
		.map(([key, value]) => `${key} = ${tomlValue(value)}\n`)
		.join('')
}

/** How a run of the binary ended, and all it printed. */
export interface Exit {
	/** The exit code; null when a signal ended the process. */
	code: number | null
	stdout: string
	stderr: string
	/** Whether it had to be killed (SIGKILL) at the end of the wait. */
	killed: boolean
}

/** A running binary. */
export interface Server {
	/** http://HOST:PORT, HOST as given to start. */
	base: string
	port: number
	/** What the binary printed so far. */
	stdout(): string
	stderr(): string
	/** Send `signal` and wait (bounded, then SIGKILL) for the exit: its code and all the output. */
	stop(signal?: NodeJS.Signals): Promise<Exit>
}

export interface StartOptions {
	/** The TOML text of the configuration file; undefined passes no --config. */
	config?: string
	/** SQLite file or PostgreSQL url, default :memory: */
	db?: string
	/** Password of the admin `acme`; undefined creates no admin. */
	pass?: string
	/** Default 127.0.0.1 */
	host?: string
	/** More arguments, after the others. */
	args?: string[]
}

export interface ExecOptions {
	/** ACME_PASS; undefined leaves it unset. */
	pass?: string
	/** Text on standard input; none (/dev/null) when undefined. */
	stdin?: string
	/** Longest wait for the exit before SIGKILL. */
	waitMs?: number
}

/** A child process whose standard output and error are read as they come. */
interface Child {
	proc: Subprocess
	stdout(): string
	stderr(): string
	/** Resolves when both pipes are at their end. */
	drained: Promise<void>
}

/** The value of `promise`, or undefined if it takes more than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
	let timer: Timer | undefined
	try {
		return await Promise.race([
			promise,
			new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms)))
		])
	} finally {
		clearTimeout(timer)
	}
}

/** Read a stream to its end as text, giving each piece to `add`. */
async function drain(stream: ReadableStream<Uint8Array>, add: (text: string) => void): Promise<void> {
	const decoder = new TextDecoder()
	for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }))
	add(decoder.decode())
}

/** The compiled binary in a temporary directory, and the processes it runs. */
export class Binary {
	readonly dir: string
	readonly path: string
	readonly #running = new Set<Subprocess>()
	#files = 0

	/** `path`: an executable to run instead of the one build() makes in the directory. */
	constructor(prefix = 'acme-bin-', path?: string) {
		this.dir = mkdtempSync(join(tmpdir(), prefix))
		this.path = path ?? join(this.dir, 'acme')
	}

	/** Build the binary (scripts/build.ts); throws with the build's output on failure. */
	build(): this {
		const build = Bun.spawnSync([process.execPath, 'scripts/build.ts', this.path], {
			cwd: ROOT,
			stdout: 'pipe',
			stderr: 'pipe',
			timeout: 60_000
		})
		if (build.exitCode !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`)
		return this
	}

	/** Write a file in the temporary directory and return its path. */
	file(text: string, name = `config-${++this.#files}.toml`): string {
		const path = join(this.dir, name)
		writeFileSync(path, text)
		return path
	}

	#arguments(options: StartOptions): string[] {
		return [
			'--port',
			'0',
			'--host',
			options.host ?? '127.0.0.1',
			'--db',
			options.db ?? ':memory:',
			...(options.config === undefined ? [] : ['--config', this.file(options.config)]),
			...(options.args ?? [])
		]
	}

	/** Start the binary with `args`, reading both its pipes all along. */
	#spawn(args: string[], pass: string | undefined, stdin?: string): Child {
		const proc = Bun.spawn([this.path, ...args], {
			env: environment(pass),
			stdin: stdin === undefined ? 'ignore' : new TextEncoder().encode(stdin),
			stdout: 'pipe',
			stderr: 'pipe'
		})
		this.#running.add(proc)
		let stdout = ''
		let stderr = ''
		const drained = Promise.all([
			drain(proc.stdout, (text) => (stdout += text)),
			drain(proc.stderr, (text) => (stderr += text))
		]).then(
			() => undefined,
			() => undefined // a pipe that fails has nothing more to give
		)
		return { proc, stdout: () => stdout, stderr: () => stderr, drained }
	}

	/** Wait for the exit, killing the process after `waitMs`, then for the end of its output. */
	async #finish(child: Child, waitMs: number): Promise<Exit> {
		let killed = false
		const killer = setTimeout(() => {
			killed = true
			child.proc.kill('SIGKILL')
		}, waitMs)
		await child.proc.exited
		clearTimeout(killer)
		this.#running.delete(child.proc)
		await within(child.drained, WAIT_MS)
		return { code: child.proc.exitCode, stdout: child.stdout(), stderr: child.stderr(), killed }
	}

	/**
	 * Start the binary on a port the system chooses (the port is in the "listening on" line it
	 * prints) and wait until /hello answers, whatever the status: some configurations refuse it.
	 */
	async start(options: StartOptions): Promise<Server> {
		const child = this.#spawn(this.#arguments(options), options.pass)
		const failure = async (message: string) => {
			child.proc.kill('SIGKILL')
			const exit = await this.#finish(child, WAIT_MS)
			return new Error(`${message}:\n${exit.stdout}\n${exit.stderr}`)
		}
		const deadline = Date.now() + WAIT_MS
		let match: RegExpMatchArray | null
		while (!(match = child.stdout().match(/listening on (http:\/\/\S+)/))) {
			if (child.proc.exitCode !== null || child.proc.signalCode !== null || Date.now() > deadline)
				throw await failure('acme did not start')
			await Bun.sleep(10)
		}
		const port = Number(new URL(match[1]).port)
		const base = `http://${options.host ?? '127.0.0.1'}:${port}`
		for (let attempt = 0; ; attempt++) {
			const answered = await fetch(`${base}/hello`, { signal: AbortSignal.timeout(1000) }).then(
				() => true,
				() => false
			)
			if (answered) break
			if (attempt >= 50) throw await failure(`acme does not answer on ${base}/hello`)
			await Bun.sleep(100)
		}
		return {
			base,
			port,
			stdout: child.stdout,
			stderr: child.stderr,
			stop: (signal = 'SIGTERM') => {
				child.proc.kill(signal)
				return this.#finish(child, WAIT_MS)
			}
		}
	}

	/** Run the binary with `args` to its end; killed after `waitMs`. */
	exec(args: string[], options: ExecOptions = {}): Promise<Exit> {
		return this.#finish(this.#spawn(args, options.pass, options.stdin), options.waitMs ?? WAIT_MS)
	}

	/**
	 * Run the binary as start would, with a configuration that should stop it at start;
	 * resolves when it exits, or kills it after `waitMs`.
	 */
	run(options: StartOptions, waitMs = 5000): Promise<Exit> {
		return this.exec(this.#arguments(options), { pass: options.pass, waitMs })
	}

	/** Kill whatever still runs, wait (bounded) for it to end, and remove the temporary directory. */
	async cleanup(): Promise<void> {
		const running = [...this.#running]
		this.#running.clear()
		for (const proc of running) proc.kill('SIGKILL')
		await within(Promise.all(running.map((proc) => proc.exited)), WAIT_MS)
		rmSync(this.dir, { recursive: true, force: true })
	}
}

export type HttpResponse = TestResponse

export interface HttpOptions {
	/** "login:password", sent as an RFC 7617 Basic header */
	basic?: string
	bearer?: string
	json?: unknown
	form?: Record<string, string>
	/** Headers given here replace those the other options make. */
	headers?: Record<string, string>
	body?: Bun.BodyInit
	redirect?: 'follow' | 'manual' | 'error'
}

/** A request over fetch with Basic credentials, a Bearer token, a JSON or form body. */
export async function http(method: string, url: string, options: HttpOptions = {}): Promise<HttpResponse> {
	const headers: Record<string, string> = {}
	if (options.basic) headers.authorization = `Basic ${Buffer.from(options.basic).toString('base64')}`
	if (options.bearer) headers.authorization = `Bearer ${options.bearer}`
	let body = options.body
	if (options.json !== undefined) {
		headers['content-type'] = 'application/json'
		body = JSON.stringify(options.json)
	} else if (options.form) {
		headers['content-type'] = 'application/x-www-form-urlencoded'
		body = new URLSearchParams(options.form).toString()
	}
	Object.assign(headers, options.headers)
	const response = await fetch(url, {
		method,
		headers,
		body,
		redirect: options.redirect ?? 'follow',
		signal: AbortSignal.timeout(WAIT_MS)
	})
	return readResponse(response)
}

export interface CurlResponse {
	status: number
	/** Header values by lower-case name; repeated headers are joined with "\n". */
	headers: Record<string, string>
	text: string
	/** The body parsed as JSON, or undefined. */
	json: any
}

/** `curl -si ARGS...`, for what fetch cannot express (GET bodies, raw headers, several Set-Cookie). */
export function curl(...args: string[]): CurlResponse {
	const result = Bun.spawnSync(['curl', '-si', '--max-time', '10', ...args], {
		stdout: 'pipe',
		stderr: 'pipe',
		timeout: WAIT_MS + 2000
	})
	if (result.exitCode !== 0) throw new Error(`curl ${args.join(' ')} failed: ${result.stderr}`)
	const raw = result.stdout.toString()
	const split = raw.indexOf('\r\n\r\n')
	const [statusLine, ...lines] = raw.slice(0, split).split('\r\n')
	const headers: Record<string, string> = {}
	for (const line of lines) {
		const colon = line.indexOf(':')
		const name = line.slice(0, colon).toLowerCase()
		const value = line.slice(colon + 1).trim()
		headers[name] = name in headers ? `${headers[name]}\n${value}` : value
	}
	const text = raw.slice(split + 4)
	return { status: Number(statusLine.split(' ')[1]), headers, text, json: parseJson(text) }
}

/**
 * Send raw bytes to 127.0.0.1:`port` on a new connection and resolve to every byte of the
 * answer (ask for `Connection: close`): for what fetch refuses to send or would normalise.
 */
export function exchange(port: number, request: string | Buffer): Promise<Buffer> {
	return new Promise<Buffer>((resolve, reject) => {
		const chunks: Buffer[] = []
		const socket = connect(port, '127.0.0.1', () => socket.write(request))
		const timer = setTimeout(() => socket.destroy(new Error('raw request timed out')), WAIT_MS)
		socket.on('data', (chunk: Buffer) => chunks.push(chunk))
		socket.on('error', (error) => {
			clearTimeout(timer)
			// a server may reset after answering: keep what came
			if (chunks.length > 0) resolve(Buffer.concat(chunks))
			else reject(error)
		})
		socket.on('close', () => {
			clearTimeout(timer)
			resolve(Buffer.concat(chunks))
		})
	})
}
