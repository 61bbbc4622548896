/**
 * The service's request log: JSON lines in prod, one readable line otherwise. Records hold
 * no password, token or secret (the framework's records never do).
 */
import type { RequestRecord } from './auth'

export function formatRecord(record: RequestRecord, json: boolean): string {
	if (json) {
		// written field by field: the log line is on every request's path
		const level = record.status >= 500 ? 'error' : 'info'
		let line = `{"ts":"${record.ts}","level":"${level}","reqid":${JSON.stringify(record.reqid)},"method":${JSON.stringify(record.method)},"path":${JSON.stringify(record.path)},"status":${record.status},"ms":${record.ms},"user":${JSON.stringify(record.user)},"scheme":${JSON.stringify(record.scheme)}`
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

/**
 * A request log writing to standard output through a buffer, flushed on the next turn of the
 * event loop (or at 64 KiB): one write for many requests under load, at once when idle.
 */
export function stdoutLog(json: boolean): {
	write: (record: RequestRecord) => void
	flush: () => Promise<void>
} {
	const writer = Bun.stdout.writer({ highWaterMark: 64 * 1024 })
	let scheduled = false
	const flush = async () => {
		scheduled = false
		await writer.flush()
	}
	return {
		write(record) {
			writer.write(`${formatRecord(record, json)}\n`)
			if (!scheduled) {
				scheduled = true
				setImmediate(() => void flush())
			}
		},
		flush
	}
}
