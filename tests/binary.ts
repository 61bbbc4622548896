/**
 * Helpers for end-to-end tests of the compiled Acme executable: build it once into a
 * temporary directory, start it on a free port with a TOML configuration, talk to it over
 * fetch or curl, and stop it (SIGTERM, then SIGKILL after a bounded wait).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'

const ROOT = join(import.meta.dir, '..')
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

export interface Server {
	base: string
	port: number
	/** Send SIGTERM; resolves to the exit code and what the binary printed. */
	stop(): Promise<{ code: number | null; stdout: string }>
}

export interface StartOptions {
	/** The TOML text of the configuration file. */
	config: string
	/** SQLite file, default :memory: */
	db?: string
	/** Password of the admin `acme`; undefined creates no admin. */
	pass?: string
	host?: string
	args?: string[]
}

export interface Exit {
	code: number | null
	stdout: string
	stderr: string
	/** Whether it had to be killed. */
	killed: boolean
}

/** The compiled binary in a temporary directory, and the processes it runs. */
export class Binary {
	readonly dir: string
	readonly path: string
	readonly #running = new Set<Subprocess>()
	#files = 0

	constructor(prefix = 'acme-bin-') {
		this.dir = mkdtempSync(join(tmpdir(), prefix))
		this.path = join(this.dir, 'acme')
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

	#command(options: StartOptions): string[] {
		return [
			this.path,
			'--port',
			'0',
			'--host',
			options.host ?? '127.0.0.1',
			'--db',
			options.db ?? ':memory:',
			'--config',
			this.file(options.config),
			...(options.args ?? [])
		]
	}

	/** Start the binary on a port the system chooses and wait until /hello answers. */
	async start(options: StartOptions): Promise<Server> {
		const proc = Bun.spawn(this.#command(options), {
			env: environment(options.pass),
			stdout: 'pipe',
			stderr: 'pipe'
		})
		this.#running.add(proc)
		const reader = proc.stdout.getReader()
		const decoder = new TextDecoder()
		let stdout = ''
		// the port is in the first line the binary prints; give up after WAIT_MS
		const timer = setTimeout(() => proc.kill('SIGKILL'), WAIT_MS)
		let match: RegExpMatchArray | null = null
		try {
			while (!(match = stdout.match(/listening on (http:\/\/\S+)/))) {
				const chunk = await reader.read()
				if (chunk.done) {
					const stderr = await new Response(proc.stderr).text()
					throw new Error(`acme did not start:\n${stdout}\n${stderr}`)
				}
				stdout += decoder.decode(chunk.value)
			}
		} catch (error) {
			proc.kill('SIGKILL')
			this.#running.delete(proc)
			throw error
		} finally {
			clearTimeout(timer)
		}
		const listening = new URL(match[1])
		const base = `http://${options.host ?? '127.0.0.1'}:${listening.port}`
		// drain stdout (the request log) so that the pipe never fills
		const drained = (async () => {
			for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
				stdout += decoder.decode(chunk.value)
		})()
		for (let attempt = 0; ; attempt++) {
			const answer = await fetch(`${base}/hello`, { signal: AbortSignal.timeout(1000) }).then(
				(res) => res.status,
				() => 0
			)
			// anything but a network failure: some configurations refuse /hello
			if (answer !== 0) break
			if (attempt >= 50) {
				proc.kill('SIGKILL')
				throw new Error(`acme does not answer on ${base}/hello`)
			}
			await Bun.sleep(100)
		}
		const running = this.#running
		return {
			base,
			port: Number(listening.port),
			async stop() {
				proc.kill('SIGTERM')
				const killer = setTimeout(() => proc.kill('SIGKILL'), WAIT_MS)
				const code = await proc.exited
				clearTimeout(killer)
				running.delete(proc)
				await drained
				return { code, stdout }
			}
		}
	}

	/**
	 * Run the binary with a configuration that should stop it at start; resolves when it
	 * exits, or kills it after `waitMs`.
	 */
	async run(options: StartOptions, waitMs = 5000): Promise<Exit> {
		const proc = Bun.spawn(this.#command(options), {
			env: environment(options.pass),
			stdout: 'pipe',
			stderr: 'pipe'
		})
		this.#running.add(proc)
		let killed = false
		const timer = setTimeout(() => {
			killed = true
			proc.kill('SIGKILL')
		}, waitMs)
		const [code, stdout, stderr] = await Promise.all([
			proc.exited,
			new Response(proc.stdout).text(),
			new Response(proc.stderr).text()
		])
		clearTimeout(timer)
		this.#running.delete(proc)
		return { code, stdout, stderr, killed }
	}

	/** Kill whatever still runs and remove the temporary directory. */
	cleanup(): void {
		for (const proc of this.#running) proc.kill('SIGKILL')
		this.#running.clear()
		rmSync(this.dir, { recursive: true, force: true })
	}
}

export interface HttpResponse {
	status: number
	headers: Headers
	text: string
	/** The body parsed as JSON, or undefined. */
	json: any
}

export interface HttpOptions {
	/** "login:password" */
	basic?: string
	bearer?: string
	json?: unknown
	form?: Record<string, string>
	headers?: Record<string, string>
	body?: string
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
	const res = await fetch(url, {
		method,
		headers,
		body,
		redirect: options.redirect ?? 'follow',
		signal: AbortSignal.timeout(WAIT_MS)
	})
	const text = await res.text()
	let json: unknown
	try {
		json = JSON.parse(text)
	} catch {
		json = undefined
	}
	return { status: res.status, headers: res.headers, text, json }
}

export interface CurlResponse {
	status: number
	/** Header values by lower-case name; repeated headers are joined with "\n". */
	headers: Record<string, string>
	text: string
}

/** `curl -si ARGS...`, for what fetch cannot express (raw headers, several Set-Cookie). */
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
	return { status: Number(statusLine.split(' ')[1]), headers, text: raw.slice(split + 4) }
}
