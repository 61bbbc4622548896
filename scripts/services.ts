/**
 * Real Redis and PostgreSQL servers for tests and benchmarks: installed from Debian's packages
 * when missing (as root), started on loopback in temporary folders (PostgreSQL as its own system
 * user when run as root), stopped at the end. Where they cannot be installed, the starters return
 * undefined and callers skip with a visible message.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, chownSync, existsSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

export interface Service {
	url: string
	stop(): Promise<void>
	/** Kill the server abruptly (as a crash would), keeping its data and port for `restart`. */
	kill(): Promise<void>
	/** Start the killed server again on the same port, and wait until it answers. */
	restart(): Promise<void>
	/** Freeze the server (SIGSTOP): connections stay open, nothing answers. */
	pause(): void
	/** Unfreeze a paused server. */
	resume(): void
}

const installs = new Map<string, Promise<boolean>>()

/**
 * Install a Debian package when `present` says it is missing, once per process; true when it is
 * there afterwards. Only root can install; anyone else gets false at once.
 */
export function ensurePackage(name: string, present: () => boolean): Promise<boolean> {
	if (present()) return Promise.resolve(true)
	let install = installs.get(name)
	if (!install) {
		install = (async () => {
			if (userInfo().uid !== 0 || !Bun.which('apt-get')) return false
			console.warn(`installing ${name} from Debian's packages...`)
			const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
			const options = { env, stdout: 'ignore', stderr: 'ignore', timeout: 300_000 } as const
			if (Bun.spawnSync(['apt-get', 'install', '-y', name], options).exitCode !== 0) {
				Bun.spawnSync(['apt-get', 'update'], options)
				Bun.spawnSync(['apt-get', 'install', '-y', name], options)
			}
			return present()
		})()
		installs.set(name, install)
	}
	return install
}

async function freePort(): Promise<number> {
	const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
	const port = server.port!
	await server.stop(true)
	return port
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs
	while (Date.now() < deadline) {
		if (await check().catch(() => false)) return
		await Bun.sleep(50)
	}
	throw new Error(`${what} did not start within ${timeoutMs} ms`)
}

/** A Redis server on loopback without persistence, or undefined when redis-server is missing. */
export async function startRedis(): Promise<Service | undefined> {
	if (!(await ensurePackage('redis-server', () => Bun.which('redis-server') !== null))) return undefined
	const binary = Bun.which('redis-server')!
	const dir = mkdtempSync(join(tmpdir(), 'acme-redis-'))
	const port = await freePort()
	const spawn = () =>
		Bun.spawn(
			[
				binary,
				'--port',
				String(port),
				'--bind',
				'127.0.0.1',
				'--save',
				'',
				'--appendonly',
				'no',
				'--dir',
				dir
			],
			{ stdout: 'ignore', stderr: 'inherit' }
		)
	let child = spawn()
	const url = `redis://127.0.0.1:${port}`
	const ready = () =>
		waitFor(async () => {
			const client = new Bun.RedisClient(url)
			try {
				return (await client.send('PING', [])) === 'PONG'
			} finally {
				client.close()
			}
		}, 'redis-server')
	await ready()
	return {
		url,
		async stop() {
			child.kill('SIGCONT')
			child.kill()
			await child.exited
			rmSync(dir, { recursive: true, force: true })
		},
		async kill() {
			child.kill('SIGKILL')
			await child.exited
		},
		async restart() {
			child = spawn()
			await ready()
		},
		pause: () => child.kill('SIGSTOP'),
		resume: () => child.kill('SIGCONT')
	}
}

function postgresBin(): string | undefined {
	const root = '/usr/lib/postgresql'
	if (!existsSync(root)) return undefined
	const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
	for (const version of versions)
		if (existsSync(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin')
	return undefined
}

/**
 * A PostgreSQL server on loopback with a database `acme` owned by user `acme` (trust
 * authentication, loopback only), or undefined when PostgreSQL is not installed.
 */
export async function startPostgres(): Promise<Service | undefined> {
	if (!(await ensurePackage('postgresql', () => postgresBin() !== undefined))) return undefined
	const bin = postgresBin()!
	const dir = mkdtempSync(join(tmpdir(), 'acme-pg-'))
	const data = join(dir, 'data')
	// PostgreSQL refuses to run as root: run it as its own system user
	const asRoot = userInfo().uid === 0
	const run = (command: string[]) => (asRoot ? ['runuser', '-u', 'postgres', '--', ...command] : command)
	if (asRoot)
		chownSync(
			dir,
			Number(Bun.spawnSync(['id', '-u', 'postgres']).stdout.toString()),
			Number(Bun.spawnSync(['id', '-g', 'postgres']).stdout.toString())
		)
	const init = Bun.spawnSync(
		run([join(bin, 'initdb'), '-D', data, '-U', 'acme', '--auth=trust', '-E', 'UTF8']),
		{
			stdout: 'ignore',
			stderr: 'pipe'
		}
	)
	if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`)
	const port = await freePort()
	const spawn = () =>
		Bun.spawn(
			run([
				join(bin, 'postgres'),
				'-D',
				data,
				'-p',
				String(port),
				'-k',
				dir,
				'-c',
				'listen_addresses=127.0.0.1',
				'-c',
				'fsync=off'
			]),
			{ stdout: 'ignore', stderr: 'ignore' }
		)
	let server = spawn()
	const admin = `postgres://acme@127.0.0.1:${port}/postgres`
	const ready = () =>
		waitFor(async () => {
			const sql = new Bun.SQL(admin)
			try {
				await sql`SELECT 1`
				return true
			} finally {
				await sql.close()
			}
		}, 'postgres')
	await ready()
	const sql = new Bun.SQL(admin)
	await sql`CREATE DATABASE acme`
	await sql.close()
	const pgCtl = (mode: 'fast' | 'immediate') =>
		// runuser does not relay signals: ask pg_ctl
		Bun.spawnSync(run([join(bin, 'pg_ctl'), '-D', data, '-m', mode, '-w', 'stop']), {
			stdout: 'ignore',
			stderr: 'ignore'
		})
	/** The postmaster and its children (backends, background workers). */
	const processes = (): number[] => {
		const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
		const children = Bun.spawnSync(['pgrep', '-P', String(postmaster)]).stdout.toString()
		return [postmaster, ...children.split('\n').filter(Boolean).map(Number)]
	}
	const signal = (name: NodeJS.Signals) => {
		for (const pid of processes())
			try {
				process.kill(pid, name)
			} catch {
				// already gone
			}
	}
	return {
		url: `postgres://acme@127.0.0.1:${port}/acme`,
		async stop() {
			if (existsSync(join(data, 'postmaster.pid'))) signal('SIGCONT') // a paused server stops too
			pgCtl('fast')
			server.kill('SIGKILL')
			await server.exited
			rmSync(dir, { recursive: true, force: true })
		},
		async kill() {
			// a crash: no checkpoint, connections cut at once
			pgCtl('immediate')
			server.kill('SIGKILL')
			await server.exited
		},
		async restart() {
			server = spawn()
			await ready()
		},
		pause: () => signal('SIGSTOP'),
		resume: () => signal('SIGCONT')
	}
}
