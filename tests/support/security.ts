/**
 * Helpers of the attack and durability suites (which run the binary with ./binary): requests
 * that record every response, over fetch or as raw HTTP/1.1 on a socket for what fetch
 * refuses to send. Every wait is bounded.
 */
import { exchange, http, type HttpOptions, type HttpResponse } from './binary'
import { parseJson } from './helpers'

export interface Answer extends HttpResponse {
	method: string
	url: string
}

/** A client that keeps every response it gets, for checks over a whole session. */
export class Recorder {
	readonly answers: Answer[] = []

	async send(method: string, url: string, options: HttpOptions = {}): Promise<Answer> {
		const answer = { method, url, ...(await http(method, url, options)) }
		this.answers.push(answer)
		return answer
	}

	/**
	 * Send raw bytes on a new connection (ask for `Connection: close`) and parse the answer:
	 * for header values fetch refuses, duplicated headers, targets it would normalise.
	 */
	async raw(port: number, request: string | Buffer): Promise<Answer> {
		const bytes = await exchange(port, request)
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
