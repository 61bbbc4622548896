/**
 * What every start of the executable loads: the code its entry imports statically. What only
 * some commands, configurations or requests need (the node transport, node:crypto and node:net,
 * Bun's PostgreSQL client, the docs page's 1.9 MB of Swagger UI) waits for its first use, so that the cold start stays short. Measured by
 * scripts/startup.ts; checked here on a split bundle of src/main.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const ROOT = join(import.meta.dir, '..', '..')
let dir: string
/** The code run at every start: the entry and every chunk it imports statically. */
let eager = ''
/** The code of the chunks loaded on first use only (dynamic imports). */
let lazy = ''

/** Relative chunks a chunk imports statically, and those it imports with import(). */
function importsOf(code: string): { static: string[]; dynamic: string[] } {
	const fromClauses = [...code.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*"(\.\/[^"]+)"/gm)]
	const bare = [...code.matchAll(/^\s*import\s*"(\.\/[^"]+)"/gm)]
	const dynamic = [...code.matchAll(/\bimport\("(\.\/[^"]+)"\)/g)]
	return {
		static: [...fromClauses, ...bare].map((match) => match[1]),
		dynamic: dynamic.map((match) => match[1])
	}
}

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'acme-startup-'))
	const build = await Bun.build({
		entrypoints: [join(ROOT, 'src/main.ts')],
		target: 'bun',
		splitting: true,
		outdir: dir
	})
	if (!build.success) throw new Error(build.logs.join('\n'))
	const entry = build.outputs.find((output) => output.kind === 'entry-point')!.path
	const seen = new Set<string>()
	const dynamic = new Set<string>()
	const visit = (path: string) => {
		if (seen.has(path)) return
		seen.add(path)
		const code = readFileSync(path, 'utf8')
		eager += code
		const imports = importsOf(code)
		for (const chunk of imports.dynamic) dynamic.add(join(dirname(path), chunk))
		for (const chunk of imports.static) visit(join(dirname(path), chunk))
	}
	visit(entry)
	for (const path of dynamic) if (!seen.has(path)) lazy += readFileSync(path, 'utf8')
}, 30_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Which of `patterns` the code holds (a short failure message, not megabytes of code). */
const holds = (code: string, patterns: Record<string, RegExp | string>) =>
	Object.fromEntries(
		Object.entries(patterns).map(([name, pattern]) => [
			name,
			typeof pattern === 'string' ? code.includes(pattern) : pattern.test(code)
		])
	)

const NODE_HTTP = /from\s*"(node:)?http"/

describe('a start of the executable', () => {
	it('loads the service itself', () => {
		// the checks below would pass on an empty bundle
		expect(
			holds(eager, { cli: 'src/cli/index.ts', routes: 'src/acme/routes.ts', sqlite: 'bun:sqlite' })
		).toEqual({
			cli: true,
			routes: true,
			sqlite: true
		})
	})

	it('loads node:http only for --transport node', () => {
		expect(holds(eager, { nodeHttp: NODE_HTTP })).toEqual({ nodeHttp: false })
		expect(holds(lazy, { nodeHttp: NODE_HTTP })).toEqual({ nodeHttp: true })
	})

	it('loads neither node:crypto nor node:net, which bring node:stream (asymmetric JWT keys and trusted proxies load them)', () => {
		expect(holds(eager, { crypto: /from\s*"(node:)?crypto"/, net: /from\s*"(node:)?net"/ })).toEqual({
			crypto: false,
			net: false
		})
	})

	it("does not load Bun's PostgreSQL client, which a SQLite database never uses", () => {
		// reading Bun.SQL loads the client: `import { SQL } from 'bun'` reads it at start
		expect(holds(eager, { sql: /\bSQL\s*\}\s*=\s*globalThis\.Bun\b/ })).toEqual({ sql: false })
		expect(holds(eager, { sql: 'Bun.SQL' })).toEqual({ sql: true })
	})

	it("does not parse the docs page's Swagger UI: its files are read on the first request", () => {
		const swagger = { script: 'webpackUniversalModuleDefinition', styles: '.swagger-ui' }
		expect(holds(eager + lazy, swagger)).toEqual({ script: false, styles: false })
	})
})
