/**
 * Output of scripts/bench.ts: the text table and the SVG bar chart, written by hand (no dependency).
 */

/** A table of text cells, the first column left-aligned, the others right-aligned. */
export function textTable(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => cells[i].length)))
	const line = (cells: string[]) =>
		cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')
	return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export interface Bar {
	label: string
	rps: number
	/** req/s over the open route's, printed after the value. */
	ratio: number | null
	/** The least ratio this scenario should reach: the bar is green when it does, red when not. */
	target?: number
}

function escapeXml(text: string): string {
	return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const NEUTRAL = '#4a6fa5'
const HELD = '#2f855a'
const MISSED = '#c53030'

/** A horizontal bar chart of req/s per scenario, each bar labelled with its value and ratio. */
export function barChart(title: string, subtitles: string[], bars: Bar[]): string {
	const labelWidth = 330
	const barArea = 470
	const rowHeight = 30
	const top = 50 + subtitles.length * 20
	const width = labelWidth + barArea + 240
	const height = top + bars.length * rowHeight + 40
	const max = Math.max(...bars.map((bar) => bar.rps), 1)
	const rows = bars.map((bar, i) => {
		const y = top + i * rowHeight
		const w = Math.max(1, (bar.rps / max) * barArea)
		const target = bar.target === undefined ? '' : `, target ${bar.target}×`
		const ratio = bar.ratio === null ? '' : ` (${bar.ratio.toFixed(2)}×${target})`
		const held = bar.ratio !== null && bar.target !== undefined && bar.ratio >= bar.target
		const color = bar.target === undefined ? NEUTRAL : held ? HELD : MISSED
		const value = `${Math.round(bar.rps).toLocaleString('en-US')} req/s${ratio}`
		return [
			`<text x="${labelWidth - 10}" y="${y + 19}" text-anchor="end">${escapeXml(bar.label)}</text>`,
			`<rect x="${labelWidth}" y="${y + 5}" width="${w.toFixed(1)}" height="${rowHeight - 10}" fill="${color}"/>`,
			`<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 19}">${escapeXml(value)}</text>`
		].join('\n')
	})
	const lines = subtitles.map(
		(text, i) => `<text x="20" y="${50 + i * 20}" fill="#555555">${escapeXml(text)}</text>`
	)
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="20" y="28" font-size="18" font-weight="bold">${escapeXml(title)}</text>
${lines.join('\n')}
<line x1="${labelWidth}" y1="${top}" x2="${labelWidth}" y2="${top + bars.length * rowHeight}" stroke="#333333"/>
${rows.join('\n')}
<text x="20" y="${height - 14}" fill="#555555" font-size="11">ratio: to the open route's req/s, side by side on one CPU for the scenarios measured in rounds. Bar colour: green target held, red target missed, blue no target.</text>
</svg>
`
}
