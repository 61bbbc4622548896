/**
 * The docs page of the compiled binary in headless Chromium: it renders the route list
 * without a single request to another origin (its scripts and styles are in the binary).
 * Needs Debian's chromium (`apt-get install chromium`); skipped, with a warning, without it.
 * ACME_BINARY names a binary to test instead of building one.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { chromium, type Browser } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'
const ROOT = join(import.meta.dir, '..')
const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
]
const ROUTES = [
	'/health',
	'/hello',
	'/hello-me',
	'/stuff',
	'/stuff/{sid}',
	'/token',
	'/user',
	'/days',
	'/primes',
	'/len'
]

const available = existsSync(CHROMIUM)
if (!available) console.warn(`SKIPPED docs page test: ${CHROMIUM} is missing (apt-get install -y chromium)`)

let dir: string | undefined
let proc: Subprocess<'ignore', 'pipe', 'pipe'> | undefined
let browser: Browser | undefined
let base: string

/** Build the binary into a temporary directory, unless ACME_BINARY names one. */
function binary(): string {
	if (process.env.ACME_BINARY) return process.env.ACME_BINARY
	dir = mkdtempSync(join(tmpdir(), 'acme-docs-'))
	const path = join(dir, 'acme')
	const build = Bun.spawnSync([process.execPath, 'scripts/build.ts', path], {
		cwd: ROOT,
		stdout: 'pipe',
		stderr: 'pipe',
		timeout: 60_000
	})
	if (build.exitCode !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`)
	return path
}

/** Start the binary on a free loopback port; resolves to its base URL. */
async function start(path: string): Promise<string> {
	const command = [path, '--port', '0', '--host', '127.0.0.1', '--db', ':memory:']
	proc = Bun.spawn(command, {
		env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
		stdout: 'pipe',
		stderr: 'pipe'
	})
	const reader = proc.stdout.getReader()
	const timer = setTimeout(() => proc?.kill('SIGKILL'), 10_000)
	let output = ''
	let match: RegExpMatchArray | null
	while (!(match = output.match(/listening on (http:\/\/\S+)/))) {
		const chunk = await reader.read()
		if (chunk.done)
			throw new Error(`acme did not start:\n${output}\n${await new Response(proc.stderr).text()}`)
		output += new TextDecoder().decode(chunk.value)
	}
	clearTimeout(timer)
	reader.releaseLock()
	return match[1]
}

describe.skipIf(!available)('the docs page in headless Chromium', () => {
	beforeAll(async () => {
		base = await start(binary())
		browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 15_000 })
	}, 30_000)

	afterAll(async () => {
		await browser?.close()
		proc?.kill('SIGKILL')
		if (dir) rmSync(dir, { recursive: true, force: true })
	})

	test('renders the route list with no request outside the service', async () => {
		const page = await browser!.newPage()
		const origin = new URL(base).origin
		const foreign: string[] = []
		const failed: string[] = []
		const errors: string[] = []
		await page.route('**', (route) => {
			const url = route.request().url()
			if (url.startsWith('data:') || new URL(url).origin === origin) return route.continue()
			foreign.push(url)
			return route.abort()
		})
		page.on('response', (response) => {
			if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`)
		})
		page.on('pageerror', (error) => errors.push(error.message))

		const response = await page.goto(`${base}/openapi`, { waitUntil: 'load' })
		expect(response?.status()).toBe(200)
		// the route list is built by the page's scripts from /openapi/json
		await page.getByText('/stuff/{sid}', { exact: true }).waitFor({ state: 'visible', timeout: 10_000 })
		expect(await page.getByText('/hello-me', { exact: true }).isVisible()).toBe(true)
		const text = await page.locator('body').innerText()
		for (const path of ROUTES) expect(text).toContain(path)
		expect(text).toContain('PATCH')
		await page.waitForLoadState('networkidle')

		expect(foreign).toEqual([])
		expect(failed).toEqual([])
		expect(errors).toEqual([])
	}, 30_000)
})
