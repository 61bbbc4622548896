/**
 * Helpers of the attack and durability suites: the compiled binary built into a temporary
 * directory, started on 127.0.0.1 with its standard output and error captured, requests
 * that record every response, and raw HTTP/1.1 over a socket for what fetch refuses to send.
 * Every wait is bounded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import type { Subprocess } from 'bun'

const ROOT = join(import.meta.dir, '..')
/** Longest wait for the binary to start or stop, and for one request. */
export const WAIT_MS = 10_000

export interface Acme {
	base: string
	port: number
	proc: Subprocess<'ignore', 'pipe', 'pipe'>
	/** What the binary printed so far. */
	stdout(): string
	stderr(): string
	/** Send a signal and wait (bounded, then SIGKILL) for the exit code. */
	stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>
}

/** A temporary directory holding a freshly built binary, its configurations and databases. */
export class AcmeBinary {
	readonly dir = mkdtempSync(join(tmpdir(), 'acme-security-'))
	readonly path = join(this.dir, 'acme')
	readonly #running = new Set<Subprocess>()
	#files = 0

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

	file(name: string, text: string): string {
		const path = join(this.dir, `${++this.#files}-${name}`)
		writeFileSync(path, text)
		return path
	}

	/** Start the binary on a free port of 127.0.0.1 and wait until /hello answers. */
	async start(options: { config: string; db: string; pass?: string; args?: string[] }): Promise<Acme> {
		const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' }
		if (options.pass !== undefined) env.ACME_PASS = options.pass
		const command = [this.path, '--port', '0', '--host', '127.0.0.1', '--db', options.db]
		command.push('--config', this.file('acme.toml', options.config), ...(options.args ?? []))
		const proc = Bun.spawn(command, { env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
		this.#running.add(proc)
		let out = ''
		let err = ''
		// read both pipes to the end, so that they never fill and everything printed is kept
		const drain = async (stream: ReadableStream<Uint8Array>, add: (text: string) => void) => {
			const decoder = new TextDecoder()
			for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }))
		}
		const drained = Promise.all([
			drain(proc.stdout, (text) => (out += text)),
			drain(proc.stderr, (text) => (err += text))
		])
		const deadline = Date.now() + WAIT_MS
		let match: RegExpMatchArray | null
		while (!(match = out.match(/listening on http:\/\/[^:]+:(\d+)/))) {
			if (proc.exitCode !== null || Date.now() > deadline) {
				proc.kill('SIGKILL')
				throw new Error(`acme did not start:\n${out}\n${err}`)
			}
			await Bun.sleep(10)
		}
		const port = Number(match[1])
		const base = `http://127.0.0.1:${port}`
		for (let attempt = 0; ; attempt++) {
			const ok = await fetch(`${base}/hello`, { signal: AbortSignal.timeout(1000) }).then(
				(res) => res.ok,
				() => false
			)
			if (ok) break
			if (attempt >= 50) {
				proc.kill('SIGKILL')
				throw new Error(`acme does not answer on ${base}/hello`)
			}
			await Bun.sleep(100)
		}
		const running = this.#running
		return {
			base,
			port,
			proc,
			stdout: () => out,
			stderr: () => err,
			async stop(signal = 'SIGTERM') {
				proc.kill(signal)
				const killer = setTimeout(() => proc.kill('SIGKILL'), WAIT_MS)
				const code = await proc.exited
				clearTimeout(killer)
				running.delete(proc)
				await Promise.race([drained, Bun.sleep(WAIT_MS)])
				return code
			}
		}
	}

	/** Kill whatever still runs and remove the directory. */
	cleanup(): void {
		for (const proc of this.#running) proc.kill('SIGKILL')
		this.#running.clear()
		rmSync(this.dir, { recursive: true, force: true })
	}
}

export interface Answer {
	method: string
	url: string
	status: number
	headers: Headers
	text: string
	json: any
}

export interface SendOptions {
	/** [login, password] as an RFC 7617 Basic header. */
	basic?: [string, string]
	bearer?: string
	json?: unknown
	form?: Record<string, string>
	headers?: Record<string, string>
	body?: Bun.BodyInit
}

export function basicAuth(login: string, password: string): string {
	return `Basic ${Buffer.from(`${login}:${password}`, 'utf8').toString('base64')}`
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text)
	} catch {
		return undefined
	}
}

/** A client that keeps every response it gets, for checks over a whole session. */
export class Recorder {
	readonly answers: Answer[] = []

	async send(method: string, url: string, options: SendOptions = {}): Promise<Answer> {
		const headers: Record<string, string> = {}
		if (options.basic) headers.authorization = basicAuth(...options.basic)
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
		const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(WAIT_MS) })
		const text = await res.text()
		const answer = { method, url, status: res.status, headers: res.headers, text, json: parseJson(text) }
		this.answers.push(answer)
		return answer
	}

	/**
	 * Send raw bytes on a new connection (ask for `Connection: close`) and parse the answer:
	 * for header values fetch refuses, duplicated headers, targets it would normalise.
	 */
	async raw(port: number, request: string | Buffer): Promise<Answer> {
		const bytes = await new Promise<Buffer>((resolve, reject) => {
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
		const text = bytes.toString('latin1')
		const split = text.indexOf('\r\n\r\n')
		const [statusLine, ...lines] = text.slice(0, split === -1 ? text.length : split).split('\r\n')
		const headers = new Headers()
		for (const line of lines) {
			const colon = line.indexOf(':')
			if (colon > 0) headers.append(line.slice(0, colon), line.slice(colon + 1).trim())
		}
		let body: Buffer =
			split === -1
				? Buffer.alloc(0)
				: bytes.subarray(Buffer.byteLength(text.slice(0, split + 4), 'latin1'))
		if (headers.get('transfer-encoding') === 'chunked') body = dechunk(body)
		const bodyText = body.toString('utf8')
		const first = (typeof request === 'string' ? request : request.toString('latin1')).split('\r\n', 1)[0]
		const answer = {
			method: first.split(' ')[0],
			url: `raw ${first}`,
			status: Number(statusLine.split(' ')[1] ?? 0),
			headers,
			text: bodyText,
			json: parseJson(bodyText)
		}
		this.answers.push(answer)
		return answer
	}
}

function dechunk(body: Buffer): Buffer {
	const parts: Buffer[] = []
	let offset = 0
	for (let guard = 0; guard < 10_000 && offset < body.length; guard++) {
		const end = body.indexOf('\r\n', offset)
		if (end === -1) break
		const size = Number.parseInt(body.subarray(offset, end).toString('latin1'), 16)
		if (!(size > 0)) break
		parts.push(body.subarray(end + 2, end + 2 + size))
		offset = end + 2 + size + 2
	}
	return Buffer.concat(parts)
}
