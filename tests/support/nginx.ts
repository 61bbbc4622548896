/**
 * nginx in front of the binary, for the tests of a deployment: a configuration written to a
 * temporary directory, nginx run in the foreground on it, and stopped (its directory removed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RunningNginx {
	stop(): Promise<void>
}

/** Start nginx on `conf` and wait, 5 s at most, until `ready` answers 2xx through it. */
export async function startNginx(nginx: string, conf: string, ready: string): Promise<RunningNginx> {
	const dir = mkdtempSync(join(tmpdir(), 'acme-nginx-'))
	writeFileSync(join(dir, 'nginx.conf'), conf)
	const proxy = Bun.spawn(
		[
			nginx,
			'-p',
			dir,
			'-c',
			join(dir, 'nginx.conf'),
			'-g',
			`daemon off; pid ${dir}/nginx.pid; error_log stderr;`
		],
		{ stdout: 'ignore', stderr: 'pipe' }
	)
	for (let waited = 0; waited < 5000; waited += 50) {
		const up = await fetch(ready)
			.then((response) => response.ok)
			.catch(() => false)
		if (up) break
		await Bun.sleep(50)
	}
	return {
		async stop() {
			proxy.kill()
			await proxy.exited
			rmSync(dir, { recursive: true, force: true })
		}
	}
}
