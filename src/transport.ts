/**
 * The node transport: serves an Elysia app through Bun's `node:http` server, which keeps
 * the bodies of GET requests that `Bun.serve` discards.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { AnyElysia } from 'elysia'
import { setClientAddress } from './auth'

/** What the framework adds to every response, for the answers this transport makes itself. */
const NOSNIFF = { 'x-content-type-options': 'nosniff' }

async function readBody(message: IncomingMessage, maxBytes: number): Promise<Buffer | 'too large'> {
	const chunks: Buffer[] = []
	let size = 0
	for await (const chunk of message) {
		size += (chunk as Buffer).length
		if (size > maxBytes) return 'too large'
		chunks.push(chunk as Buffer)
	}
	return Buffer.concat(chunks)
}

function toHeaders(message: IncomingMessage): Headers {
	const headers = new Headers()
	const raw = message.rawHeaders
	for (let index = 0; index + 1 < raw.length; index += 2) headers.append(raw[index], raw[index + 1])
	return headers
}

/**
 * The URL of a request on this plain HTTP server: its origin, whatever the client wrote, and the
 * path of the target, which is a path (joined as Bun.serve reads "//x/y") or an absolute URL
 * (absolute form). Its scheme never comes from the client: "https://..." sent over plain HTTP
 * must not pass for a secure request. Undefined for a target that is neither.
 */
export function requestUrl(target: string, origin: string): string | undefined {
	try {
		if (target.startsWith('/')) return new URL(origin + target).href
		const absolute = new URL(target)
		if (absolute.protocol !== 'http:' && absolute.protocol !== 'https:') return undefined
		return new URL(origin + absolute.pathname + absolute.search).href
	} catch {
		return undefined
	}
}

/**
 * The origin of this server's request URLs: `http://` and its host name, or `localhost` for a
 * name too short for Elysia, which looks for the path at the URL's 12th character.
 */
export function originOf(hostname: string): string {
	const host = hostname.includes(':') ? `[${hostname}]` : hostname
	return `http://${host.length >= 4 ? host : 'localhost'}`
}

async function respond(
	app: AnyElysia,
	message: IncomingMessage,
	reply: ServerResponse,
	origin: string,
	maxBytes: number
): Promise<void> {
	const body = await readBody(message, maxBytes)
	if (body === 'too large') {
		reply.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...NOSNIFF })
		reply.end('request body too large')
		message.destroy()
		return
	}
	const method = message.method ?? 'GET'
	const url = requestUrl(message.url ?? '/', origin)
	if (url === undefined) {
		reply.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...NOSNIFF })
		reply.end('invalid request target')
		return
	}
	const request = new Request(url, {
		method,
		headers: toHeaders(message),
		body: body.length > 0 && method !== 'HEAD' ? body : undefined
	})
	if (message.socket.remoteAddress) setClientAddress(request, message.socket.remoteAddress)
	const response = await app.handle(request)
	const headers: Record<string, string | string[]> = {}
	response.headers.forEach((value, name) => {
		if (name !== 'set-cookie') headers[name] = value
	})
	const cookies = response.headers.getSetCookie()
	if (cookies.length > 0) headers['set-cookie'] = cookies
	reply.writeHead(response.status, headers)
	reply.end(method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()))
}

/**
 * The parser's own refusals (oversized headers, a bad request line or header) in the
 * framework's manner: a short text and nosniff, then the connection is closed.
 */
function refuseMalformed(error: Error & { code?: string }, socket: Duplex): void {
	if (!socket.writable) {
		socket.destroy()
		return
	}
	const [status, reason, text] =
		error.code === 'HPE_HEADER_OVERFLOW'
			? [431, 'Request Header Fields Too Large', 'request header fields too large']
			: [400, 'Bad Request', 'malformed request']
	socket.end(
		`HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
			`x-content-type-options: nosniff\r\ncontent-length: ${text.length}\r\nconnection: close\r\n\r\n${text}`
	)
}

/** Start `app` on a node:http server; resolves once it listens. */
export function serveWithNode(
	app: AnyElysia,
	port: number,
	hostname: string,
	maxBytes = 1024 * 1024
): Promise<{ port: number; stop: () => Promise<void> }> {
	const origin = originOf(hostname)
	const server = createServer((message, reply) => {
		respond(app, message, reply, origin, maxBytes).catch((error) => {
			console.error('node transport error:', error)
			if (!reply.headersSent)
				reply.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', ...NOSNIFF })
			reply.end('internal error')
		})
	})
	server.on('clientError', refuseMalformed)
	return new Promise((resolve, reject) => {
		server.once('error', reject)
		server.listen(port, hostname, () => {
			for (const hook of app.event.start ?? []) hook.fn(app)
			resolve({
				port: (server.address() as AddressInfo).port,
				stop: () => new Promise<void>((done) => server.close(() => done()))
			})
		})
	})
}
