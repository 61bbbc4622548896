/**
 * Cold start of the compiled service: the time from exec to the first 200 on GET /health, over
 * several starts, for dist/acme on a SQLite file (an existing database with its admin, as on a
 * restart, ACME_PASS set) and on :memory: (no ACME_PASS), next to a compiled bare Bun.serve for
 * reference, with the CPU time each used until then. The three run in interleaved rounds, after one start of each that is not counted
 * (it fills the page cache and creates the database). scripts/bench.ts calls it; it runs alone.
 * usage: bun scripts/startup.ts [--starts N] [--binary PATH]... (several: builds compared in the same rounds)
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { HOST, cleanup, cpuTimeMs, freePort, spawn, spread, stop, tempPath, waitReady } from './bench-lib'
import { textTable } from './bench-report'

export interface StartupResult {
	name: 'acme-file' | 'acme-memory' | 'bare'
	label: string
	/** Milliseconds from exec to the first 200, over the counted starts. */
	medianMs: number
	minMs: number
	maxMs: number
	samplesMs: number[]
	/**
	 * CPU time the process used until then (every thread), median: what a build costs, which
	 * other processes competing for the CPUs hardly move, unlike the clock.
	 */
	cpuMedianMs: number
}

interface Target {
	name: StartupResult['name']
	label: string
	command: (port: number) => string[]
	env: Record<string, string>
}

/** The reference: the least a compiled Bun program answering HTTP takes to start. */
const BARE_SOURCE = `const option = (name) => process.argv[process.argv.indexOf(name) + 1]
Bun.serve({ port: Number(option('--port')), hostname: option('--host'), fetch: () => new Response('ok') })
`

/** Compile the bare Bun.serve program into the benchmark's temp dir; its path. */
function compileBare(): string {
	const source = tempPath('bare-serve.ts')
	const outfile = tempPath('bare-serve')
	writeFileSync(source, BARE_SOURCE)
	const build = Bun.spawnSync([process.execPath, 'build', '--compile', '--outfile', outfile, source], {
		stdout: 'pipe',
		stderr: 'pipe'
	})
	if (build.exitCode !== 0) throw new Error(`cannot compile the bare Bun.serve:\n${build.stderr}`)
	return outfile
}

/** Start `target` once: milliseconds from exec to its first 200 on /health, and CPU time meanwhile. */
async function startOnce(target: Target, index: number): Promise<{ ms: number; cpuMs: number }> {
	const port = freePort()
	const log = tempPath(`startup-${target.name}-${index}.log`)
	const started = performance.now()
	const child = spawn(target.command(port), { env: target.env, log })
	try {
		// polled every millisecond: a refused connection costs far less than that
		await waitReady(`http://${HOST}:${port}/health`, child, log, 20000, 1)
		const ms = performance.now() - started
		return { ms, cpuMs: cpuTimeMs(child.pid) }
	} finally {
		await stop(child)
	}
}

/**
 * Measure `starts` cold starts of each target, interleaved; the bare Bun.serve is compiled here.
 * Several binaries (builds to compare) are measured in the same rounds.
 */
export async function measureStartups(binaries: string | string[], starts: number): Promise<StartupResult[]> {
	const bare = compileBare()
	const flags = (port: number) => ['--port', `${port}`, '--host', HOST]
	const targets: Target[] = [
		...[binaries].flat().flatMap((binary, index): Target[] => [
			{
				name: 'acme-file',
				label: `${binary}, SQLite file`,
				command: (port) => [binary, ...flags(port), '--db', tempPath(`startup-${index}.db`)],
				env: { ACME_PASS: 'Startup-Admin-Pass-1' }
			},
			{
				name: 'acme-memory',
				label: `${binary}, :memory:`,
				command: (port) => [binary, ...flags(port), '--db', ':memory:'],
				env: {}
			}
		]),
		{ name: 'bare', label: 'compiled bare Bun.serve', command: (port) => [bare, ...flags(port)], env: {} }
	]
	for (const target of targets) await startOnce(target, 0)
	const samples = targets.map((): { ms: number; cpuMs: number }[] => [])
	for (let round = 1; round <= starts; round++)
		for (const [index, target] of targets.entries()) samples[index].push(await startOnce(target, round))
	return targets.map(({ name, label }, index) => {
		const { median, min, max, samples: samplesMs } = spread(samples[index].map((sample) => sample.ms))
		const cpuMedianMs = spread(samples[index].map((sample) => sample.cpuMs)).median
		return { name, label, medianMs: median, minMs: min, maxMs: max, samplesMs, cpuMedianMs }
	})
}

/** The results as a text table. */
export function startupTable(results: StartupResult[]): string {
	const ms = (value: number) => value.toFixed(1)
	return textTable(
		['exec to first 200 on /health', 'median ms', 'min ms', 'max ms', 'CPU ms', 'starts'],
		results.map((r) => [
			r.label,
			ms(r.medianMs),
			ms(r.minMs),
			ms(r.maxMs),
			ms(r.cpuMedianMs),
			`${r.samplesMs.length}`
		])
	)
}

if (import.meta.main) {
	let code = 0
	try {
		const { values } = parseArgs({
			options: {
				starts: { type: 'string', default: '15' },
				binary: { type: 'string', multiple: true, default: ['dist/acme'] }
			}
		})
		const starts = Number(values.starts)
		if (!/^\d+$/.test(values.starts) || starts < 1) throw new Error('--starts must be a whole number ≥ 1')
		const binaries = values.binary.map((binary) => (binary.includes('/') ? binary : `./${binary}`))
		for (const binary of binaries)
			if (!(await Bun.file(binary).exists()))
				throw new Error(`${binary} not found: run bun run build first, or give --binary PATH`)
		console.log(startupTable(await measureStartups(binaries, starts)))
	} catch (error) {
		console.error(`startup: ${error instanceof Error ? error.message.split('\n')[0] : error}`)
		code = 1
	} finally {
		await cleanup()
	}
	process.exit(code)
}
