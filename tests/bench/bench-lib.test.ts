/**
 * The benchmark's own arithmetic: wrk's output read right, medians, and the CPU accounting the
 * side-by-side ratios rely on (a server CPU left idle would pull them towards 1).
 */
import { describe, expect, it } from 'bun:test'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { cpuTimeMs, cpusBusy, median, parseWrk, spread } from '../../scripts/bench-lib'

const WRK_OUTPUT = `Running 2s test @ http://127.0.0.1:5801/hello
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.33us  301.12us   9.87ms   95.12%
    Req/Sec    78.12k     3.21k   82.00k    80.00%
  Latency Distribution
     50%  350.00us
     75%  420.00us
     90%  530.00us
     99%    1.58ms
  155432 requests in 2.00s, 28.61MB read
  Socket errors: connect 0, read 2, write 1, timeout 4
  Non-2xx or 3xx responses: 12
Requests/sec:  77703.15
Transfer/sec:     14.30MB
`

describe('bench helpers', () => {
	it('read req/s, latencies in ms, requests and errors from wrk --latency', () => {
		expect(parseWrk(WRK_OUTPUT)).toEqual({
			rps: 77703.15,
			p50Ms: 0.35,
			p99Ms: 1.58,
			requests: 155432,
			non2xx: 12,
			socketErrors: 7
		})
		expect(() => parseWrk('wrk: connection refused')).toThrow('cannot parse wrk output')
	})

	it('take the median of odd and even counts, whatever the order', () => {
		expect(median([3, 1, 2])).toBe(2)
		expect(median([0.9, 0.7, 0.8, 1])).toBeCloseTo(0.85)
	})

	it('give the median, least and greatest of start-up samples, NaN for none', () => {
		expect(spread([31, 12, 95, 40])).toEqual({
			median: 35.5,
			min: 12,
			max: 95,
			samples: [31, 12, 95, 40]
		})
		const none = spread([])
		expect([none.median, none.min, none.max]).toEqual([NaN, NaN, NaN])
	})

	it("read a process's CPU time, growing while it computes; NaN for no such process", () => {
		const before = cpuTimeMs(process.pid)
		const until = performance.now() + 100
		while (performance.now() < until);
		const after = cpuTimeMs(process.pid)
		expect(before).toBeGreaterThan(0)
		// a busy loop of 100 ms on the clock ran on the CPU, however busy the machine
		expect(after - before).toBeGreaterThan(1)
		expect(cpuTimeMs(2 ** 22 + 1)).toBeNaN()
	})

	it('tell how busy some CPUs were, from 0 to 1', () => {
		const all = cpusBusy(undefined)
		const listed = cpusBusy(`0-${cpus().length - 1}`)
		const first = cpusBusy('0')
		const until = performance.now() + 200
		while (performance.now() < until);
		for (const share of [all(), listed(), first()]) {
			expect(share).toBeGreaterThanOrEqual(0)
			expect(share).toBeLessThanOrEqual(1)
		}
		// this loop kept one CPU busy: the whole machine was at least that busy
		expect(all()).toBeGreaterThan(0.5 / cpus().length)
	})
})

describe('start-up measure (scripts/startup.ts)', () => {
	const startup = (...args: string[]) => {
		const result = Bun.spawnSync([process.execPath, 'scripts/startup.ts', ...args], {
			cwd: join(import.meta.dir, '..', '..'),
			stdout: 'pipe',
			stderr: 'pipe',
			timeout: 10_000
		})
		return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString() }
	}

	it('refuse a count of starts that is not a whole number ≥ 1, in one line', () => {
		for (const starts of ['0', '2.5', 'many', '--starts=-3']) {
			const { code, out, err } = startup(...(starts.startsWith('-') ? [starts] : ['--starts', starts]))
			expect({ code, out, err }).toEqual({
				code: 1,
				out: '',
				err: 'startup: --starts must be a whole number ≥ 1\n'
			})
		}
	})

	it('say how to get the binary when it is missing', () => {
		const { code, err } = startup('--binary', '/nonexistent/acme')
		expect(code).toBe(1)
		expect(err).toBe(
			'startup: /nonexistent/acme not found: run bun run build first, or give --binary PATH\n'
		)
	})
})
