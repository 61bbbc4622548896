/**
 * The docs page of the compiled binary in headless Chromium: it renders the route list
 * without a single request to another origin (its scripts and styles are in the binary).
 * Needs Debian's chromium, installed when missing; skipped (failed on CI) where it cannot be.
 * ACME_BINARY names a binary to test instead of building one.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { needing, requireProgram } from '../support/real-servers'
import { Binary } from '../support/binary'
import { startNginx } from '../support/nginx'

const CHROMIUM = '/usr/bin/chromium'
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

// installed from Debian's packages where missing (as root; top-level await has no time limit)
const available = await requireProgram('chromium', () => (existsSync(CHROMIUM) ? CHROMIUM : null))

let binary: Binary | undefined
let browser: Browser | undefined
let base: string

describe.skipIf(!available)(needing('the docs page in headless Chromium', 'chromium', available), () => {
	beforeAll(async () => {
		// the binary ACME_BINARY names, or one built into a temporary directory
		binary = new Binary('acme-docs-', process.env.ACME_BINARY || undefined)
		if (!process.env.ACME_BINARY) binary.build()
		base = (await binary.start({})).base
		browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 15_000 })
	}, 30_000)

	afterAll(async () => {
		await browser?.close()
		await binary?.cleanup()
	})

	/** Open the docs page at `url`: every request stays under `within`, the route list renders. */
	async function rendersWithin(page: Page, url: string, within: string): Promise<void> {
		const foreign: string[] = []
		const failed: string[] = []
		const errors: string[] = []
		await page.route('**', (route) => {
			const requested = route.request().url()
			if (requested.startsWith('data:') || requested.startsWith(within)) return route.continue()
			foreign.push(requested)
			return route.abort()
		})
		page.on('response', (response) => {
			if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`)
		})
		page.on('pageerror', (error) => errors.push(error.message))

		const response = await page.goto(url, { waitUntil: 'load' })
		expect(response?.status()).toBe(200)
		// the route list is built by the page's scripts from the document next to it
		await page.getByText('/stuff/{sid}', { exact: true }).waitFor({ state: 'visible', timeout: 10_000 })
		expect(await page.getByText('/hello-me', { exact: true }).isVisible()).toBe(true)
		const text = await page.locator('body').innerText()
		for (const path of ROUTES) expect(text).toContain(path)
		expect(text).toContain('PATCH')
		await page.waitForLoadState('networkidle')

		expect(foreign).toEqual([])
		expect(failed).toEqual([])
		expect(errors).toEqual([])
	}

	test('renders the route list with no request outside the service', async () => {
		const page = await browser!.newPage()
		await rendersWithin(page, `${base}/openapi`, `${new URL(base).origin}/`)
	}, 30_000)

	const nginx = Bun.which('nginx') ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null)
	test.skipIf(!nginx)(
		'renders under a path prefix behind nginx (/acme/openapi), its assets and document under it too',
		async () => {
			const port = Number(new URL(base).port) + 1000
			const front = `http://127.0.0.1:${port}`
			const conf = `events {}
http {
	access_log off;
	server {
		listen 127.0.0.1:${port};
		location /acme/ { proxy_pass ${base}/; }
	}
}
`
			const proxy = await startNginx(nginx!, conf, `${front}/acme/hello`)
			try {
				const page = await browser!.newPage()
				await rendersWithin(page, `${front}/acme/openapi`, `${front}/acme/`)
			} finally {
				await proxy.stop()
			}
		},
		30_000
	)
})
