/**
 * The framework as a package: `bun pm pack` makes a tarball of the framework (not the service
 * nor the tests), a fresh project installs it offline (its dependencies resolved from the local
 * cache: the project's lockfile is seeded with this repository's resolutions, so nothing is
 * fetched), type-checks the README's framework example against it and runs it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'

const ROOT = join(import.meta.dir, '..', '..')
const WAIT_MS = 10_000
/** Outside the repository, so that nothing resolves from its node_modules. */
let project: string
let tarball: string
let example: Subprocess<'ignore', 'pipe', 'pipe'> | undefined

const versionOf = (name: string): string =>
	JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version

function run(command: string[], cwd = project) {
	const result = Bun.spawnSync(command, {
		cwd,
		env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
		stdout: 'pipe',
		stderr: 'pipe',
		timeout: 90_000
	})
	return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString() }
}

/** The README's framework example: the TypeScript block that imports the package. */
function readmeExample(): string {
	const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
	const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1])
	const found = blocks.filter((block) => block.includes("from 'acme-simple-auth/auth'"))
	if (found.length !== 1)
		throw new Error(`the README should have one example importing the package, found ${found.length}`)
	return found[0]
}

beforeAll(() => {
	project = mkdtempSync(join(tmpdir(), 'acme-package-'))
	const pack = run([process.execPath, 'pm', 'pack', '--destination', project, '--quiet'], ROOT)
	if (pack.code !== 0) throw new Error(`bun pm pack failed:\n${pack.out}\n${pack.err}`)
	tarball = join(project, pack.out.trim().split('\n').at(-1)!.split('/').at(-1)!)
	const dependencies = { 'acme-simple-auth': `file:${tarball}`, elysia: versionOf('elysia') }
	const devDependencies = { 'bun-types': versionOf('bun-types'), typescript: versionOf('typescript') }
	writeFileSync(
		join(project, 'package.json'),
		JSON.stringify(
			{ name: 'shop', private: true, type: 'module', dependencies, devDependencies },
			null,
			2
		)
	)
	// this repository's resolutions, and the tarball's own entry: bun then installs what the
	// tarball declares offline, from the cache (an invalid lockfile would be ignored and refetched)
	const packed = JSON.parse(run(['tar', '-xzOf', tarball, 'package/package.json']).out)
	const integrity = `sha512-${new Bun.CryptoHasher('sha512').update(readFileSync(tarball)).digest('base64')}`
	const entry = [`acme-simple-auth@${tarball}`, { dependencies: packed.dependencies }, integrity]
	const lock = readFileSync(join(ROOT, 'bun.lock'), 'utf8')
	const version = Number(/"lockfileVersion": (\d+)/.exec(lock)?.[1] ?? 1)
	const head = JSON.stringify(
		{
			lockfileVersion: version,
			configVersion: 1,
			workspaces: { '': { name: 'shop', dependencies, devDependencies } }
		},
		null,
		2
	)
	const packages = lock.slice(lock.indexOf('  "packages": {') + '  "packages": {'.length)
	writeFileSync(
		join(project, 'bun.lock'),
		`${head.slice(0, head.lastIndexOf('}'))},\n  "packages": {\n    "acme-simple-auth": ${JSON.stringify(entry)},\n${packages}`
	)
	writeFileSync(
		join(project, 'tsconfig.json'),
		JSON.stringify({
			compilerOptions: {
				target: 'ESNext',
				module: 'ESNext',
				moduleResolution: 'bundler',
				lib: ['ESNext'],
				types: ['bun-types'],
				strict: true,
				noEmit: true,
				skipLibCheck: true
			},
			include: ['*.ts']
		})
	)
	writeFileSync(join(project, 'example.ts'), readmeExample())
	writeFileSync(
		join(project, 'surface.ts'),
		[
			`import { Elysia } from 'elysia'`,
			`import { SimpleAuth, simpleAuth, routeTable } from 'acme-simple-auth/auth'`,
			`// @ts-expect-error the package exports the framework only`,
			`import { createAcme } from 'acme-simple-auth/src/acme'`,
			`const auth = new SimpleAuth({ name: 'x', config: { FSA_AUTH: ['basic'] } })`,
			`const app = new Elysia().use(simpleAuth(auth)).get('/', ({ user }) => {`,
			`	const login: string = user`,
			`	// @ts-expect-error the user of an AUTH route is a string`,
			`	const count: number = user`,
			`	return [login, count]`,
			`}, { authz: 'AUTH' })`,
			`export const rows = routeTable(app, auth)`,
			`export { createAcme }`,
			''
		].join('\n')
	)
}, 120_000)

afterAll(async () => {
	example?.kill('SIGKILL')
	await example?.exited
	rmSync(project, { recursive: true, force: true })
})

describe('the framework package', () => {
	test('the tarball holds the framework and its docs, not the service nor the tests', () => {
		const list = run(['tar', '-tzf', tarball])
		expect(list.code).toBe(0)
		const files = list.out.trim().split('\n')
		expect(files).toContain('package/package.json')
		expect(files).toContain('package/src/auth/index.ts')
		expect(files).toContain('package/README.md')
		expect(
			files.filter(
				(file) => !/^package\/(src\/auth\/|README\.md|SECURITY\.md|docs\/|package\.json)/.test(file)
			)
		).toEqual([])
	})

	test('installs into a fresh project without the network', { timeout: 90_000 }, () => {
		const install = run([process.execPath, 'install', '--offline'])
		expect(install.err).not.toContain('error:')
		expect(install.err).not.toContain('Ignoring lockfile')
		expect(install.code).toBe(0)
		const installed = JSON.parse(
			readFileSync(join(project, 'node_modules', 'acme-simple-auth', 'package.json'), 'utf8')
		)
		expect(installed.exports['./auth']).toEqual({
			types: './src/auth/index.ts',
			default: './src/auth/index.ts'
		})
		for (const dependency of Object.keys(installed.dependencies))
			expect(
				JSON.parse(readFileSync(join(project, 'node_modules', dependency, 'package.json'), 'utf8'))
					.name
			).toBe(dependency)
	})

	test('type-checks the README example and the public surface', { timeout: 90_000 }, () => {
		const check = run([
			process.execPath,
			join(project, 'node_modules', 'typescript', 'bin', 'tsc'),
			'-p',
			'.'
		])
		expect(check.out + check.err).toBe('')
		expect(check.code).toBe(0)
	})

	test('runs the README example', { timeout: 30_000 }, async () => {
		example = Bun.spawn([process.execPath, 'example.ts'], {
			cwd: project,
			env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0' },
			stdin: 'ignore',
			stdout: 'pipe',
			stderr: 'pipe'
		})
		const reader = example.stdout.getReader()
		let output = ''
		const deadline = Date.now() + WAIT_MS
		while (!/listening on (http:\S+)/.test(output)) {
			const next = await Promise.race([
				reader.read(),
				Bun.sleep(deadline - Date.now()).then(() => null)
			])
			if (next === null || next.done)
				throw new Error(
					`the example did not start:\n${output}\n${await new Response(example.stderr).text()}`
				)
			output += new TextDecoder().decode(next.value)
		}
		reader.releaseLock()
		const base = /listening on (http:\S+?)\/?\s/.exec(output)![1].replace('localhost', '127.0.0.1')
		const basic = (login: string, password: string) => ({
			authorization: `Basic ${btoa(`${login}:${password}`)}`
		})
		const send = async (
			method: string,
			path: string,
			headers: Record<string, string> = {},
			body?: string
		) => {
			const response = await fetch(`${base}${path}`, {
				method,
				headers: body ? { ...headers, 'content-type': 'application/x-www-form-urlencoded' } : headers,
				body,
				signal: AbortSignal.timeout(WAIT_MS)
			})
			return [response.status, await response.text()]
		}
		expect(await send('GET', '/hello')).toEqual([200, 'hello'])
		expect((await send('GET', '/me'))[0]).toBe(401)
		expect((await send('GET', '/me', basic('calvin', 'wrong')))[0]).toBe(401)
		expect(await send('GET', '/me', basic('calvin', 'hobbes'))).toEqual([200, '{"user":"calvin"}'])
		expect(await send('PATCH', '/items/1', basic('calvin', 'hobbes'), 'price=7')).toEqual([
			200,
			'price changed: 7'
		])
		expect((await send('PATCH', '/items/2', basic('calvin', 'hobbes'), 'price=7'))[0]).toBe(404)
		expect(
			await send('POST', '/users', basic('calvin', 'hobbes'), 'login=susie&password=Derkins1')
		).toEqual([200, 'user added: susie'])
		expect(
			(await send('POST', '/users', basic('calvin', 'hobbes'), 'login=susie&password=Derkins1'))[0]
		).toBe(409)
		expect(await send('GET', '/me', basic('susie', 'Derkins1'))).toEqual([200, '{"user":"susie"}'])
		// susie is no admin, and does not own item 1
		expect(
			(await send('POST', '/users', basic('susie', 'Derkins1'), 'login=moe&password=Bully123'))[0]
		).toBe(403)
		expect((await send('PATCH', '/items/1', basic('susie', 'Derkins1'), 'price=0'))[0]).toBe(403)
		expect((await send('PATCH', '/items/1', basic('calvin', 'hobbes'), 'price=cheap'))[0]).toBe(400)
	})
})
