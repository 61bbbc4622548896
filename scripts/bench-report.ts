/**
 * Output of scripts/bench.ts: the text table and the SVG bar chart, written by hand (no dependency).
 * `bun scripts/bench-report.ts` draws bench/results.svg again from bench/results.json, without a run.
 */
import { readFileSync, writeFileSync } from 'node:fs'

/** A table of text cells, the first column left-aligned, the others right-aligned. */
export function textTable(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => cells[i].length)))
	const line = (cells: string[]) =>
		cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')
	return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** The least ratio a scenario should reach: to the open route's req/s, unless `of` names another base. */
export interface Target {
	want: number
	value: number
	of?: string
}

export interface Bar {
	label: string
	rps: number
	/** req/s over the open route's, printed after the value. */
	ratio: number | null
	/** The bar is green when its target holds, red when it is missed, blue without a target. */
	target?: Target
}

function escapeXml(text: string): string {
	return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export const NEUTRAL = '#4a6fa5'
export const HELD = '#2f855a'
export const MISSED = '#c53030'

/** The colour of a bar: the legend's, for what its target says. */
export function barColor(bar: Bar): string {
	if (!bar.target) return NEUTRAL
	return bar.target.value >= bar.target.want ? HELD : MISSED
}

/**
 * Split `text` into lines of at most `maxChars` characters: at its clauses ("; ") where they fit,
 * else at spaces (a longer word stays whole).
 */
export function wrapText(text: string, maxChars: number): string[] {
	const clauses = text.split('; ').map((clause, i, all) => (i < all.length - 1 ? `${clause};` : clause))
	if (clauses.length > 1 && clauses.every((clause) => clause.length <= maxChars))
		return clauses.reduce<string[]>((lines, clause) => {
			const last = lines.at(-1)
			if (last !== undefined && last.length + 1 + clause.length <= maxChars)
				lines[lines.length - 1] = `${last} ${clause}`
			else lines.push(clause)
			return lines
		}, [])
	const lines: string[] = []
	let line = ''
	for (const word of text.split(' ')) {
		if (line && line.length + 1 + word.length > maxChars) {
			lines.push(line)
			line = word
		} else line = line ? `${line} ${word}` : word
	}
	if (line) lines.push(line)
	return lines
}

/** A character of DejaVu Sans or Arial at 13 px is 6.5 px wide on average: lines held to 7 px fit. */
const CHAR_PX = 7

/** A horizontal bar chart of req/s per scenario, each bar labelled with its value and ratio. */
export function barChart(title: string, subtitles: string[], bars: Bar[]): string {
	const labelWidth = 330
	const barArea = 470
	const rowHeight = 30
	const width = labelWidth + barArea + 240
	const textChars = Math.floor((width - 40) / CHAR_PX)
	const subtitleLines = subtitles.flatMap((text) => wrapText(text, textChars))
	const top = 50 + subtitleLines.length * 20
	const max = Math.max(...bars.map((bar) => bar.rps), 1)
	const rows = bars.map((bar, i) => {
		const y = top + i * rowHeight
		const w = Math.max(1, (bar.rps / max) * barArea)
		const { target } = bar
		const of = target?.of ? `${target.value.toFixed(2)}× ${target.of}, ` : ''
		const wanted = target ? `${of}target ${target.want}×` : ''
		const notes = [bar.ratio === null ? '' : `${bar.ratio.toFixed(2)}×`, wanted].filter(Boolean)
		const value = `${Math.round(bar.rps).toLocaleString('en-US')} req/s${notes.length ? ` (${notes.join('; ')})` : ''}`
		return [
			`<text x="${labelWidth - 10}" y="${y + 19}" text-anchor="end">${escapeXml(bar.label)}</text>`,
			`<rect x="${labelWidth}" y="${y + 5}" width="${w.toFixed(1)}" height="${rowHeight - 10}" fill="${barColor(bar)}"/>`,
			`<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 19}">${escapeXml(value)}</text>`
		].join('\n')
	})
	const lines = subtitleLines.map(
		(text, i) => `<text x="20" y="${50 + i * 20}" fill="#555555">${escapeXml(text)}</text>`
	)
	const legendTop = top + bars.length * rowHeight + 14
	const note =
		'ratio: to the open route’s req/s, side by side on one CPU for the scenarios measured in rounds'
	const noteLines = wrapText(note, Math.floor((width - 40) / 7))
	const legend = [
		...noteLines.map(
			(text, i) =>
				`<text x="20" y="${legendTop + 12 + i * 16}" fill="#555555" font-size="11">${escapeXml(text)}</text>`
		),
		...(
			[
				[HELD, 'target held'],
				[MISSED, 'target missed'],
				[NEUTRAL, 'no target']
			] as const
		).map(([color, text], i) => {
			const x = 20 + i * 150
			const y = legendTop + 12 + noteLines.length * 16
			return (
				`<rect x="${x}" y="${y - 10}" width="14" height="12" fill="${color}"/>` +
				`<text x="${x + 20}" y="${y}" fill="#555555" font-size="11">${text}</text>`
			)
		})
	]
	const height = legendTop + 12 + noteLines.length * 16 + 16
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="20" y="28" font-size="18" font-weight="bold">${escapeXml(title)}</text>
${lines.join('\n')}
<line x1="${labelWidth}" y1="${top}" x2="${labelWidth}" y2="${top + bars.length * rowHeight}" stroke="#333333"/>
${rows.join('\n')}
${legend.join('\n')}
</svg>
`
}

/** The least req/s ratio to the open route each scenario should reach. */
export const TARGETS: Record<string, number> = {
	'fsa-token': 0.8,
	apikey: 0.8,
	jwt: 0.7,
	basic: 0.5,
	'stuff-get': 0.5,
	'stuff-patch': 0.25,
	'redis-fsa-token': 0.7,
	'redis-basic': 0.4,
	/** Behind nginx: to the open route through nginx, in windows of their own. */
	'nginx-token': 0.6
}
/** The least ratio of the open route to a bare Elysia route. */
export const OPEN_TO_BARE = 0.8
/** The least ratio of the open route to a bare Elysia route doing the same per-response work by hand. */
export const OPEN_TO_SAME_WORK = 0.85

/** What the chart reads of bench/results.json. */
export interface BenchResults {
	commit: string
	machine: string
	wrk: {
		durationSeconds: number
		rounds: number
		threads: number
		connections: number
		pinned: false | { server: string; wrk: string }
	}
	scenarios: { name: string; label: string; rps: number; ratio: number | null }[]
	attack: { openAloneP99Ms: number; openUnderAttackP99Ms: number; hostile?: HostileSummary }
	openToBare: number
	firstServedToBare: number
	startup: Record<string, { label: string; medianMs: number; samplesMs: number[] }>
}

/** The hostile requests beside the attack (scripts/bench-lib.ts hostileRequests), as the bench records them. */
export interface HostileSummary {
	result: { requests: number; non2xx: number; p99Ms: number; socketErrors: number }
	/** Each kind of request sent in turn, with the status it was checked to get. */
	kinds: { kind: string; status: number }[]
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
const cpuList = (list: string) => (/^(\d+)-\1$/.test(list) ? list.split('-')[0] : list)

/** The chart of a bench run, from its results. */
export function resultsChart(results: BenchResults): string {
	const { wrk, attack } = results
	const pinned = wrk.pinned
		? `, server on CPU ${cpuList(wrk.pinned.server)}, wrk on CPU ${cpuList(wrk.pinned.wrk)}`
		: ''
	const starts = Object.values(results.startup)
	const hostile = attack.hostile ? ' and hostile requests' : ''
	const subtitles = [
		`commit ${results.commit}; wrk ${plural(wrk.threads, 'thread')}, ${plural(wrk.connections, 'connection')}, ` +
			`${plural(wrk.rounds, 'round')} of ${wrk.durationSeconds} s, ratios side by side${pinned}; ${results.machine}`,
		`open route: ${results.openToBare.toFixed(2)}× bare Elysia amid every route, ` +
			`${results.firstServedToBare.toFixed(2)}× as the first served (target ${OPEN_TO_BARE}×); ` +
			`p99 ${attack.openAloneP99Ms.toFixed(2)} ms alone, ${attack.openUnderAttackP99Ms.toFixed(2)} ms under ` +
			`the wrong-credentials attack${hostile}`,
		...(starts.length
			? [
					`cold start, exec to first 200 (median of ${starts[0]!.samplesMs.length}): ` +
						starts.map((r) => `${r.label} ${r.medianMs.toFixed(0)} ms`).join(', ')
				]
			: [])
	]
	const bars: Bar[] = results.scenarios.map((row) => {
		const bar: Bar = { label: row.label, rps: row.rps, ratio: row.ratio }
		const want = TARGETS[row.name]
		if (want !== undefined && row.ratio !== null) bar.target = { want, value: row.ratio }
		if (row.name === 'open')
			bar.target = { want: OPEN_TO_BARE, value: results.openToBare, of: 'bare Elysia' }
		if (row.name === 'open-first')
			bar.target = { want: OPEN_TO_BARE, value: results.firstServedToBare, of: 'bare Elysia' }
		return bar
	})
	return barChart('Acme service: requests per second', subtitles, bars)
}

if (import.meta.main) {
	const from = process.argv[2] ?? 'bench/results.json'
	const to = process.argv[3] ?? 'bench/results.svg'
	try {
		writeFileSync(to, resultsChart(JSON.parse(readFileSync(from, 'utf8')) as BenchResults))
		console.log(`wrote ${to} from ${from}`)
	} catch (error) {
		console.error(`bench-report: cannot draw ${to} from ${from}: ${(error as Error).message}`)
		process.exit(1)
	}
}
