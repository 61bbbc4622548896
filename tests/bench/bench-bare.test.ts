/**
 * The bench's bare Elysia route doing the service's per-response work by hand: its response
 * carries what the service's does, and its log line names the path asked for, read from the
 * request as the service's is (a constant would skip the read that the service pays).
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { spawn } from 'bun'
import { freePort } from '../../scripts/bench-lib'

const children: ReturnType<typeof spawn>[] = []
afterAll(() => {
	for (const child of children) child.kill()
})

/** Start the bare server with a work list; resolve once it answers. */
async function startBare(work: string[]): Promise<{ base: string; lines: () => Promise<string[]> }> {
	const port = freePort()
	const child = spawn([process.execPath, 'scripts/bench-bare.ts', `${port}`, ...work], {
		stdout: 'pipe',
		stderr: 'inherit'
	})
	children.push(child)
	const base = `http://127.0.0.1:${port}`
	for (let attempt = 0; attempt < 100; attempt++) {
		const ok = await fetch(`${base}/hello`).then(
			(response) => response.ok,
			() => false
		)
		if (ok) break
		await Bun.sleep(50)
	}
	return {
		base,
		lines: async () => {
			child.kill()
			const text = await new Response(child.stdout as ReadableStream).text()
			return text.split('\n').filter((line) => line.startsWith('{'))
		}
	}
}

describe('the bare route doing the same work', () => {
	it('logs the path asked for, and answers with the service headers', async () => {
		const bare = await startBare(['--same-work'])
		const response = await fetch(`${bare.base}/hello/`, { headers: { 'x-request-id': 'given-1' } })
		expect(response.headers.get('x-request-id')).toBe('given-1')
		expect(response.headers.get('x-content-type-options')).toBe('nosniff')
		expect(await response.json()).toEqual({ msg: 'hello' })
		await fetch(`${bare.base}/hello?x=1`)
		// the log goes out in batches, on the next turn of the event loop
		await Bun.sleep(100)
		const records = (await bare.lines()).map((line) => JSON.parse(line))
		expect(records.map((record) => [record.path, record.reqid])).toContainEqual(['/hello/', 'given-1'])
		expect(records.map((record) => record.path)).toContain('/hello')
	})

	it('leaves the log out unless asked', async () => {
		const bare = await startBare(['--work=id,headers'])
		expect((await fetch(`${bare.base}/hello`)).headers.get('x-content-type-options')).toBe('nosniff')
		await Bun.sleep(100)
		expect(await bare.lines()).toEqual([])
	})
})
