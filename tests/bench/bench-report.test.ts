/**
 * The bench chart: bar colours are the legend's, the open route's target against bare Elysia shows,
 * and no subtitle runs past the picture. Drawn from the stored bench/results.json, without a run.
 */
import { describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import {
	barChart,
	barColor,
	HELD,
	MISSED,
	NEUTRAL,
	resultsChart,
	wrapText,
	type BenchResults
} from '../../scripts/bench-report'

const RESULTS = (await Bun.file(join(import.meta.dir, '..', '..', 'bench', 'results.json')).json()) as BenchResults

/** Each bar's label and fill, in order. */
function barsOf(svg: string): [string, string][] {
	const found = [...svg.matchAll(/text-anchor="end">([^<]*)<\/text>\n<rect [^>]*fill="(#[0-9a-f]{6})"/g)]
	return found.map((m) => [m[1]!, m[2]!])
}

describe('the bench chart', () => {
	it('colours a bar as its legend says: green held, red missed, blue without a target', () => {
		expect(barColor({ label: 'a', rps: 1, ratio: 0.9, target: { want: 0.8, value: 0.9 } })).toBe(HELD)
		expect(barColor({ label: 'a', rps: 1, ratio: 0.9, target: { want: 0.8, value: 0.6, of: 'bare' } })).toBe(
			MISSED
		)
		expect(barColor({ label: 'a', rps: 1, ratio: 0.9 })).toBe(NEUTRAL)
		const svg = barChart('t', [], [{ label: 'a', rps: 1, ratio: null }])
		for (const [color, text] of [
			[HELD, 'target held'],
			[MISSED, 'target missed'],
			[NEUTRAL, 'no target']
		])
			expect(svg).toMatch(new RegExp(`fill="${color}"/><text [^>]*>${text}</text>`))
	})

	it('shows the open route red where it misses its target against bare Elysia, as results.json says', () => {
		const svg = resultsChart(RESULTS)
		const bars = new Map(barsOf(svg))
		expect(bars.size).toBe(RESULTS.scenarios.length)
		const open = RESULTS.scenarios.find((row) => row.name === 'open')!
		expect(bars.get(open.label)).toBe(RESULTS.openToBare >= 0.8 ? HELD : MISSED)
		expect(svg).toContain(`${RESULTS.openToBare.toFixed(2)}× bare Elysia, target 0.8×`)
		for (const row of RESULTS.scenarios.filter((row) => row.name === 'fsa-token' || row.name === 'jwt'))
			expect(bars.get(row.label)).toBe(row.ratio! >= (row.name === 'jwt' ? 0.7 : 0.8) ? HELD : MISSED)
		const attacker = RESULTS.scenarios.find((row) => row.name === 'attacker')!
		expect(bars.get(attacker.label)).toBe(NEUTRAL)
	})

	it('keeps every subtitle line within the picture, wrapping long ones', () => {
		const long = `commit abc; ${'wrk 1 thread, 32 connections, '.repeat(8)}; the end`
		const svg = barChart('t', [long, 'short'], [{ label: 'a', rps: 1, ratio: null }])
		const width = Number(svg.match(/width="(\d+)"/)![1])
		const subtitles = [...svg.matchAll(/<text x="20" y="\d+" fill="#555555">([^<]*)<\/text>/g)].map((m) => m[1]!)
		expect(subtitles.length).toBeGreaterThan(2)
		expect(subtitles.join(' ')).toBe(`${long} short`.replace(/ +/g, ' ').trim())
		// 7 px a character, 20 px margins: DejaVu Sans at 13 px averages 6.5 px
		for (const line of subtitles) expect(20 + line.length * 7).toBeLessThanOrEqual(width - 20)
		expect(svg.match(/height="(\d+)"/)![1]).toBe(svg.match(/viewBox="0 0 \d+ (\d+)"/)![1])
	})

	it('wraps at clauses where they fit, else at spaces, never splitting a word', () => {
		expect(wrapText('one two; three four; five', 12)).toEqual(['one two;', 'three four;', 'five'])
		expect(wrapText('one two; three four; five', 30)).toEqual(['one two; three four; five'])
		expect(wrapText('a verylongword b', 5)).toEqual(['a', 'verylongword', 'b'])
		expect(wrapText('', 5)).toEqual([])
	})

	it('the stored chart is the one results.json draws', async () => {
		const stored = await Bun.file(join(import.meta.dir, '..', '..', 'bench', 'results.svg')).text()
		expect(stored).toBe(resultsChart(RESULTS))
	})
})

describe('bun scripts/bench-report.ts', () => {
	it('says in one line why it cannot draw, and exits 1', () => {
		const run = Bun.spawnSync(['bun', join(import.meta.dir, '..', '..', 'scripts', 'bench-report.ts'), '/nonexistent.json', '/tmp/x.svg'])
		expect(run.exitCode).toBe(1)
		const stderr = run.stderr.toString().trim()
		expect(stderr.split('\n')).toHaveLength(1)
		expect(stderr).toStartWith('bench-report: cannot draw /tmp/x.svg from /nonexistent.json: ')
	})
})
