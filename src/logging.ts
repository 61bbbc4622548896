/**
 * The service's request log: JSON lines in prod, one readable line otherwise. Records hold
 * no password, token or secret (the framework's records never do).
 */
import type { RequestRecord } from './auth'

/** Strings JSON writes as they are: no quote, backslash, control character or surrogate. */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/

/** A string as JSON: quoted directly when nothing needs escaping (most fields, always). */
function jsonString(value: string): string {
	return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value)
}

const jsonNullable = (value: string | null) => (value === null ? 'null' : jsonString(value))

export function formatRecord(record: RequestRecord, json: boolean): string {
	if (json) {
		// written field by field: the log line is on every request's path
		const level = record.status >= 500 ? 'error' : 'info'
		let line = `{"ts":"${record.ts}","level":"${level}","reqid":${jsonString(record.reqid)},"method":${jsonString(record.method)},"path":${jsonString(record.path)},"status":${record.status},"ms":${record.ms},"user":${jsonNullable(record.user)},"scheme":${jsonNullable(record.scheme)}`
		if (record.error !== undefined) line += `,"error":${JSON.stringify(record.error)}`
		if (record.attempt !== undefined) line += `,"attempt":${JSON.stringify(record.attempt)}`
		return `${line}}`
	}
	const who = record.user ? `${record.user} (${record.scheme})` : '-'
	const error = record.error
		? ` ${JSON.stringify(record.error)}${record.attempt ? ` (${record.attempt})` : ''}`
		: ''
	return `${record.ts} ${record.reqid} ${record.method} ${record.path} ${record.status} ${who} ${record.ms.toFixed(3)}ms${error}`
}

/** Lines gathered before a write, at most. */
const BATCH_CHARS = 64 * 1024
/** Under load (a write less than this ago), lines wait this long to go out together. */
const BUSY_MS = 10

/**
 * A request log writing to standard output in batches: lines gather in memory and go out in
 * one write, on the next turn of the event loop when the log was quiet, else within
 * `BUSY_MS` milliseconds (or at 64 KiB): one write for hundreds of requests under load.
 */
export function stdoutLog(json: boolean): {
	write: (record: RequestRecord) => void
	flush: () => Promise<void>
} {
	const writer = Bun.stdout.writer({ highWaterMark: 2 * BATCH_CHARS })
	let pending = ''
	let scheduled = false
	let lastWrite = -Infinity
	const drain = () => {
		if (pending === '') return
		writer.write(pending)
		pending = ''
		lastWrite = performance.now()
	}
	const flush = async () => {
		scheduled = false
		drain()
		await writer.flush()
	}
	const flushLater = () => void flush()
	return {
		write(record) {
			pending += `${formatRecord(record, json)}\n`
			if (pending.length >= BATCH_CHARS) drain()
			if (!scheduled) {
				scheduled = true
				if (performance.now() - lastWrite < BUSY_MS) setTimeout(flushLater, BUSY_MS)
				else setImmediate(flushLater)
			}
		},
		flush
	}
}
