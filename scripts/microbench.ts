/**
 * Micro-benchmarks (mitata) of the framework's hot paths: parsing a basic header, verifying
 * fsa tokens and JWTs, merging and checking typed parameters. Prints ns/op and writes
 * bench/micro.json.
 * usage: bun scripts/microbench.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bench, do_not_optimize, run } from 'mitata'
import { Type as T } from '@sinclair/typebox'
import { parseBasicAuthorization } from '../src/auth/authn/basic'
import { parseSettings, type RawConfig } from '../src/auth/config/settings'
import { TokenManager } from '../src/auth/tokens/tokens'
import { mergeParams, type RawBody } from '../src/auth/params/request'
import { compileArgs, fillArgs, type FillContext } from '../src/auth/params/args'
import { sourceVersion } from './bench-lib'

const SECRET = 'some-long-benchmark-secret-0123456789'
const config = (extra: RawConfig = {}): RawConfig => ({
	FSA_AUTH: ['token', 'basic', 'param', 'none'],
	FSA_TOKEN_SECRET: SECRET,
	...extra
})
const fsaSettings = parseSettings(config(), 'acme')
const jwtSettings = parseSettings(config({ FSA_TOKEN_TYPE: 'jwt' }), 'acme')
const fsa = new TokenManager(fsaSettings.token)
const jwt = new TokenManager(jwtSettings.token)
const fsaToken = await fsa.create('bench', fsaSettings.realm)
const jwtToken = await jwt.create('bench', jwtSettings.realm)
// the fixtures must be valid: a benchmark of a failing path would measure the wrong thing
if (fsa.verifyFsa(fsaToken, fsaSettings.realm).user !== 'bench') throw new Error('fsa token refused')
if ((await jwt.verify(jwtToken, jwtSettings.realm)).user !== 'bench') throw new Error('JWT refused')

const basicHeader = `Basic ${btoa('bench:Bench-Pass-1')}`
if (!parseBasicAuthorization(basicHeader).ok) throw new Error('basic header refused')

// PATCH /stuff/:sid with a JSON body, as Acme declares it
const patchArgs = compileArgs(T.Object({ price: T.Number() }))
const patchBody: RawBody = { contentType: 'application/json', text: '{"price": 1.5}' }
const patchUrl = 'http://127.0.0.1:5000/stuff/bench-stuff-1'
// a query string of several typed parameters: integer, boolean, list, optional string
const queryArgs = compileArgs(
	T.Object({
		n: T.Integer(),
		flag: T.Boolean(),
		li: T.Array(T.Integer()),
		name: T.Optional(T.String())
	})
)
const queryUrl = 'http://127.0.0.1:5000/search?n=0x2a&flag=true&li=1&li=10&li=11&name=calvin'
const request = new Request(patchUrl)
const context = (
	url: string,
	body: RawBody | undefined,
	pathParams: Record<string, string>
): FillContext => ({
	pathParams,
	request: mergeParams(url, body),
	ignored: new Set(['username', 'password']),
	rejectUnexpected: true,
	special: { request, user: 'bench' }
})
if (fillArgs(patchArgs, context(patchUrl, patchBody, { sid: 'bench-stuff-1' })).price !== 1.5)
	throw new Error('PATCH parameters refused')
if (fillArgs(queryArgs, context(queryUrl, undefined, {})).n !== 42)
	throw new Error('query parameters refused')

const NAMES = {
	basic: 'parseBasicAuthorization',
	fsa: 'TokenManager.verifyFsa',
	jwt: 'TokenManager.verifyJwt (HS256)',
	patch: 'mergeParams + fillArgs: JSON {price}',
	query: 'mergeParams + fillArgs: query, 4 typed params',
	compile: 'compileArgs: 4 typed params'
}
bench(NAMES.basic, () => do_not_optimize(parseBasicAuthorization(basicHeader)))
bench(NAMES.fsa, () => do_not_optimize(fsa.verifyFsa(fsaToken, fsaSettings.realm)))
bench(NAMES.jwt, async () => do_not_optimize(await jwt.verify(jwtToken, jwtSettings.realm)))
bench(NAMES.patch, () =>
	do_not_optimize(fillArgs(patchArgs, context(patchUrl, patchBody, { sid: 'bench-stuff-1' })))
)
bench(NAMES.query, () => do_not_optimize(fillArgs(queryArgs, context(queryUrl, undefined, {}))))
bench(NAMES.compile, () =>
	do_not_optimize(compileArgs(T.Object({ n: T.Integer(), flag: T.Boolean(), li: T.Array(T.Integer()) })))
)

const { benchmarks } = await run({ colors: Boolean(process.stdout.isTTY) })
const results = benchmarks.map((trial) => {
	const stats = trial.runs[0]?.stats
	if (!stats) throw new Error(`${trial.alias} failed: ${String(trial.runs[0]?.error)}`)
	return {
		name: trial.alias,
		avgNs: stats.avg,
		p50Ns: stats.p50,
		p99Ns: stats.p99,
		samples: stats.samples.length
	}
})

console.log('\nns/op (average, p50, p99):')
const width = Math.max(...results.map((r) => r.name.length))
for (const r of results)
	console.log(
		`  ${r.name.padEnd(width)}  ${r.avgNs.toFixed(0).padStart(8)}  ${r.p50Ns.toFixed(0).padStart(8)}  ${r.p99Ns.toFixed(0).padStart(8)}`
	)

const out = join(import.meta.dir, '..', 'bench')
mkdirSync(out, { recursive: true })
const micro = {
	date: new Date().toISOString(),
	commit: sourceVersion(),
	bun: Bun.version,
	unit: 'ns/op',
	results
}
writeFileSync(join(out, 'micro.json'), JSON.stringify(micro, null, '\t') + '\n')
console.log('wrote bench/micro.json')
