/**
 * FlaskSimpleAuth parity, passwords and authorization: password schemes and options,
 * strength rules and hooks, the alternate password check, declared groups, the catch-all
 * group checker and object permissions over several path variables.
 */
import { beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { Elysia, t } from 'elysia'
import {
	ConfigError,
	ErrorResponse,
	SimpleAuth,
	checkRoutes,
	simpleAuth,
	type RawConfig
} from '../../src/auth'
import { FAST_PASSWORDS, call } from '../support/helpers'

/** Hash with the auth's own scheme, without strength checks. */
async function usersOf(auth: SimpleAuth, passwords: Record<string, string>) {
	const stored: Record<string, string> = {}
	for (const [login, password] of Object.entries(passwords))
		stored[login] = await auth.passwords.hash(password, false)
	return stored
}

function whoApp(auth: SimpleAuth) {
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/who', ({ user }) => ({ user }), { authz: 'AUTH' })
		.post('/register', async ({ args }) => ({ hash: await auth.hashPassword(args.password) }), {
			authz: 'OPEN',
			args: t.Object({ password: t.String() })
		})
	checkRoutes(app)
	return app
}

function passwordAuth(config: RawConfig) {
	return new SimpleAuth({ name: 'Test', config: { FSA_AUTH: ['basic', 'none'], ...config } })
}

describe('FSA_PASSWORD_SCHEME and FSA_PASSWORD_OPTS', () => {
	it.each([
		['bcrypt', { rounds: 4 }, /^\$2[aby]\$04\$/],
		['argon2', { memory_cost: 64, time_cost: 1 }, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/],
		['argon2', { memory_cost: 128, time_cost: 2 }, /^\$argon2id\$v=19\$m=128,t=2,p=1\$/],
		['plaintext', {}, /^hobbes$/]
	])('%s with %j hashes and verifies', async (scheme, opts, shape) => {
		const warned = spyOn(console, 'warn').mockImplementation(() => {})
		const auth = passwordAuth({ FSA_PASSWORD_SCHEME: scheme, FSA_PASSWORD_OPTS: opts })
		const hash = await auth.hashPassword('hobbes')
		expect(hash).toMatch(shape)
		auth.getUserPass((login) => (login === 'calvin' ? hash : null))
		const app = whoApp(auth)
		expect((await call(app, 'GET', '/who', { basic: ['calvin', 'hobbes'] })).json).toEqual({
			user: 'calvin'
		})
		const wrong = await call(app, 'GET', '/who', { basic: ['calvin', 'susie'] })
		expect(wrong.status).toBe(401)
		expect(wrong.text).toBe('invalid user or password')
		expect(warned.mock.calls.length > 0).toBe(scheme === 'plaintext')
		warned.mockRestore()
	})

	it('argon2 is the default scheme', async () => {
		expect(await passwordAuth(FAST_PASSWORDS).hashPassword('x')).toStartWith('$argon2id$')
	})

	it.each([
		['argon2', { rounds: 4 }, 'rounds'],
		['bcrypt', { memory_cost: 64 }, 'memory_cost'],
		['plaintext', { rounds: 4 }, 'rounds'],
		['bcrypt', { rounds: 3 }, 'rounds']
	])('%s refuses the option %j', (scheme, opts, name) => {
		const warned = spyOn(console, 'warn').mockImplementation(() => {})
		const build = () => passwordAuth({ FSA_PASSWORD_SCHEME: scheme, FSA_PASSWORD_OPTS: opts })
		expect(build).toThrow(ConfigError)
		expect(build).toThrow(/FSA_PASSWORD_OPTS/)
		expect(build).toThrow(name)
		warned.mockRestore()
	})

	it('refuses an unknown scheme', () => {
		expect(() => passwordAuth({ FSA_PASSWORD_SCHEME: 'md5' })).toThrow('FSA_PASSWORD_SCHEME')
	})
})

describe('password strength', () => {
	async function refusal(auth: SimpleAuth, password: string): Promise<ErrorResponse> {
		const error = await auth.hashPassword(password).then(
			() => undefined,
			(e: unknown) => e
		)
		expect(error).toBeInstanceOf(ErrorResponse)
		expect((error as ErrorResponse).status).toBe(400)
		return error as ErrorResponse
	}

	it("FSA_PASSWORD_LENGTH and FSA_PASSWORD_RE give FlaskSimpleAuth's messages", async () => {
		const auth = passwordAuth({
			...FAST_PASSWORDS,
			FSA_PASSWORD_LENGTH: 10,
			FSA_PASSWORD_RE: ['[0-9]', '[A-Z]']
		})
		expect((await refusal(auth, 'short1')).message).toBe('password is too short, must be at least 10')
		expect((await refusal(auth, 'long-enough-but-no-number')).message).toBe('password must match [0-9]')
		expect((await refusal(auth, 'long-enough-with-1')).message).toBe('password must match [A-Z]')
		expect(await auth.hashPassword('Long-enough-with-1')).toStartWith('$argon2id$')
	})

	it('passwordQuality false is a 400, a throw says why', async () => {
		const auth = passwordAuth(FAST_PASSWORDS).passwordQuality((password) => {
			if (password.includes('calvin')) throw new Error('contains a login')
			return password.length > 3
		})
		expect((await refusal(auth, 'abc')).message).toBe('password quality too low')
		expect((await refusal(auth, 'calvin-and-hobbes')).message).toBe(
			'password quality too low: contains a login'
		)
		expect(await auth.hashPassword('susie-derkins')).toStartWith('$argon2id$')
		// and over HTTP
		const app = whoApp(auth.getUserPass(() => null))
		const res = await call(app, 'POST', '/register', { json: { password: 'abc' } })
		expect(res.status).toBe(400)
		expect(res.text).toBe('password quality too low')
		expect((await call(app, 'POST', '/register', { json: { password: 'good one' } })).status).toBe(200)
	})
})

describe('passwordCheck, the alternate check', () => {
	let stored: Record<string, string> = {}
	const calls: [string, string][] = []

	function checkedAuth(withHook = true) {
		const auth = passwordAuth({ ...FAST_PASSWORDS, FSA_CACHE: 'none' }).getUserPass(
			(login) => stored[login] ?? null
		)
		if (withHook)
			auth.passwordCheck((login, password) => {
				calls.push([login, password])
				return (login === 'ldap' && password === 'directory') || password === 'RECOVERY-CODE'
			})
		return auth
	}

	beforeAll(async () => {
		stored = await usersOf(checkedAuth(), { calvin: 'hobbes' })
	})

	it('is used when the stored hash is missing or does not match', async () => {
		calls.length = 0
		const app = whoApp(checkedAuth())
		expect((await call(app, 'GET', '/who', { basic: ['ldap', 'directory'] })).json).toEqual({
			user: 'ldap'
		})
		expect((await call(app, 'GET', '/who', { basic: ['ldap', 'guess'] })).status).toBe(401)
		expect((await call(app, 'GET', '/who', { basic: ['calvin', 'RECOVERY-CODE'] })).status).toBe(200)
		expect((await call(app, 'GET', '/who', { basic: ['calvin', 'hobbes'] })).status).toBe(200)
		expect(calls).toEqual([
			['ldap', 'directory'],
			['ldap', 'guess'],
			['calvin', 'RECOVERY-CODE']
		])
	})

	it('without it, only the stored hash counts', async () => {
		const app = whoApp(checkedAuth(false))
		expect((await call(app, 'GET', '/who', { basic: ['ldap', 'directory'] })).status).toBe(401)
		expect((await call(app, 'GET', '/who', { basic: ['calvin', 'RECOVERY-CODE'] })).status).toBe(401)
	})
})

const GROUPS: Record<string, string[]> = {
	ADMIN: ['dad'],
	WRITE: ['dad', 'calvin'],
	READ: ['calvin', 'hobbes']
}

describe('groups', () => {
	const PASSWORDS = { calvin: 'hobbes', hobbes: 'susie', dad: 'mum' }
	let stored: Record<string, string> = {}

	beforeAll(async () => {
		stored = await usersOf(passwordAuth(FAST_PASSWORDS), PASSWORDS)
	})

	function groupAuth(config: RawConfig = {}) {
		return passwordAuth({ ...FAST_PASSWORDS, ...config })
			.getUserPass((login) => stored[login] ?? null)
			.userInGroup((login, group) => GROUPS[group]?.includes(login) ?? false)
	}

	const as = (login: keyof typeof PASSWORDS) => ({ basic: [login, PASSWORDS[login]] as [string, string] })

	it('userInGroup checks every group without a checker of its own', async () => {
		const auth = groupAuth().groupCheck('WRITE', (login) => login === 'hobbes')
		const app = new Elysia()
			.use(simpleAuth(auth))
			.get('/read', () => 'read', { authz: 'READ' })
			.get('/admin', () => 'admin', { authz: 'ADMIN' })
			.get('/write', () => 'write', { authz: 'WRITE' })
			.get('/both', () => 'both', { authz: ['READ', 'WRITE'] })
		expect((await call(app, 'GET', '/read', as('hobbes'))).status).toBe(200)
		const dad = await call(app, 'GET', '/read', as('dad'))
		expect(dad.status).toBe(403)
		expect(dad.text).toBe('not in group "READ"')
		expect((await call(app, 'GET', '/admin', as('dad'))).status).toBe(200)
		expect((await call(app, 'GET', '/admin', as('calvin'))).status).toBe(403)
		// a group's own checker wins over the catch-all
		expect((await call(app, 'GET', '/write', as('hobbes'))).status).toBe(200)
		expect((await call(app, 'GET', '/write', as('calvin'))).status).toBe(403)
		// every group of a list is required
		expect((await call(app, 'GET', '/both', as('hobbes'))).status).toBe(200)
		expect((await call(app, 'GET', '/both', as('calvin'))).text).toBe('not in group "WRITE"')
		expect((await call(app, 'GET', '/read')).status).toBe(401)
	})

	it('FSA_AUTHZ_GROUPS: an undeclared group throws at registration', async () => {
		const auth = groupAuth({ FSA_AUTHZ_GROUPS: ['READ', 'ADMIN'] })
		const plugin = () => new Elysia().use(simpleAuth(auth))
		expect(() => plugin().get('/write', () => 'w', { authz: 'WRITE' })).toThrow(ConfigError)
		expect(() => plugin().get('/write', () => 'w', { authz: 'WRITE' })).toThrow('WRITE')
		expect(() => plugin().get('/write', () => 'w', { authz: ['READ', 'WRITE'] })).toThrow(ConfigError)
		const app = plugin().get('/read', () => 'read', { authz: 'READ' })
		expect((await call(app, 'GET', '/read', as('calvin'))).status).toBe(200)
		expect((await call(app, 'GET', '/read', as('dad'))).status).toBe(403)
		// without the declaration, the catch-all accepts any group name
		expect(() =>
			new Elysia().use(simpleAuth(groupAuth())).get('/w', () => 'w', { authz: 'WRITE' })
		).not.toThrow()
	})

	it('a group nothing can check throws at registration', () => {
		const auth = passwordAuth(FAST_PASSWORDS).getUserPass(() => null)
		expect(() => new Elysia().use(simpleAuth(auth)).get('/x', () => 'x', { authz: 'READ' })).toThrow(
			ConfigError
		)
	})
})

describe('object permissions over several variables', () => {
	const seen: unknown[][] = []
	let stored: Record<string, string> = {}

	beforeAll(async () => {
		stored = await usersOf(passwordAuth(FAST_PASSWORDS), { calvin: 'hobbes' })
	})

	function pairApp() {
		const auth = passwordAuth({ ...FAST_PASSWORDS, FSA_CACHE: 'none' })
			.getUserPass((login) => stored[login] ?? null)
			.objectPerms('pair', (login, a, b, mode) => {
				seen.push([login, a, b, mode])
				if (a === 'none' || a === 0) return null
				return a === b
			})
		const app = new Elysia()
			.use(simpleAuth(auth))
			.get('/pair/:a/:b', ({ params }) => `${params.a}/${params.b}`, { authz: ['pair', 'a:b', null] })
			.get('/typed/:a/:b', ({ args }) => args, {
				authz: ['pair', 'a:b', 'read'],
				args: t.Object({ a: t.Integer(), b: t.Integer() })
			})
		checkRoutes(app)
		return app
	}

	const CALVIN = { basic: ['calvin', 'hobbes'] as [string, string] }

	it('passes both values then the mode, and answers 200, 403 or 404', async () => {
		seen.length = 0
		const app = pairApp()
		const ok = await call(app, 'GET', '/pair/4/4', CALVIN)
		expect(ok.status).toBe(200)
		expect(ok.text).toBe('4/4')
		const denied = await call(app, 'GET', '/pair/3/4', CALVIN)
		expect(denied.status).toBe(403)
		expect(denied.text).toContain('permission denied on pair')
		expect((await call(app, 'GET', '/pair/none/4', CALVIN)).status).toBe(404)
		expect((await call(app, 'GET', '/pair/4/4')).status).toBe(401)
		expect(seen).toEqual([
			['calvin', '4', '4', null],
			['calvin', '3', '4', null],
			['calvin', 'none', '4', null]
		])
	})

	it('passes typed values when the route declares them, after parameter checks', async () => {
		seen.length = 0
		const app = pairApp()
		expect((await call(app, 'GET', '/typed/16/16', CALVIN)).json).toEqual({ a: 16, b: 16 })
		expect((await call(app, 'GET', '/typed/0x10/16', CALVIN)).status).toBe(400)
		expect((await call(app, 'GET', '/typed/0/16', CALVIN)).status).toBe(404)
		expect((await call(app, 'GET', '/typed/x/16', CALVIN)).status).toBe(400)
		expect(seen).toEqual([
			['calvin', 16, 16, 'read'],
			['calvin', 0, 16, 'read']
		])
	})

	it('a variable that is neither a path parameter nor an argument is refused at checkRoutes', () => {
		const auth = passwordAuth(FAST_PASSWORDS).objectPerms('pair', () => true)
		const app = new Elysia()
			.use(simpleAuth(auth))
			.get('/pair/:a', () => 'x', { authz: ['pair', 'a:b', null] })
		expect(() => checkRoutes(app)).toThrow('"b"')
	})
})
