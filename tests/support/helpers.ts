/**
 * Shared test helpers: requests against an app in process, responses read the same way in
 * process and over HTTP, cheap password hashing, and the SimpleAuth of the parity suites.
 */
import { Elysia, type AnyElysia } from 'elysia'
import { SimpleAuth, checkRoutes, simpleAuth, type RawConfig, type SimpleAuthOptions } from '../../src/auth'

/** Argon2 at its cheapest: tests check behaviour, not hashing cost. */
export const FAST_PASSWORDS = { FSA_PASSWORD_OPTS: { memory_cost: 64, time_cost: 1 } }

/** An argon2id hash at the cost of FAST_PASSWORDS. */
export function fastHash(password: string): Promise<string> {
	return Bun.password.hash(password, { algorithm: 'argon2id', memoryCost: 64, timeCost: 1 })
}

/**
 * A SimpleAuth named "Test" on FAST_PASSWORDS plus `config`, whose only user is calvin with
 * the password hash `calvinHash`.
 */
export function calvinAuth(
	calvinHash: string,
	config: RawConfig,
	options: Partial<SimpleAuthOptions> = {}
): SimpleAuth {
	return new SimpleAuth({
		name: 'Test',
		...options,
		config: { ...FAST_PASSWORDS, ...config }
	}).getUserPass((login) => (login === 'calvin' ? calvinHash : null))
}

/** An app with GET /who (authenticated, answers the user) and GET /open (open). */
export function whoApp(auth: SimpleAuth) {
	const app = new Elysia()
		.use(simpleAuth(auth))
		.get('/who', ({ user }) => ({ user }), { authz: 'AUTH' })
		.get('/open', () => 'open', { authz: 'OPEN' })
	checkRoutes(app)
	return app
}

export interface RequestOptions {
	/** [login, password] sent as an RFC 7617 Basic header. */
	basic?: [string, string]
	/** A token sent as `Authorization: Bearer <token>`. */
	bearer?: string
	/** Form fields, urlencoded in the body; arrays repeat the field. */
	form?: Record<string, string | string[]>
	/** A JSON body. */
	json?: unknown
	/** Query string fields; arrays repeat the field. */
	query?: Record<string, string | string[]>
	headers?: Record<string, string>
}

export function basicHeader(login: string, password: string): string {
	return `Basic ${Buffer.from(`${login}:${password}`, 'utf8').toString('base64')}`
}

function encode(fields: Record<string, string | string[]>): string {
	const params = new URLSearchParams()
	for (const [name, value] of Object.entries(fields))
		for (const item of Array.isArray(value) ? value : [value]) params.append(name, item)
	return params.toString()
}

/** Build a Request for `path` on http://localhost (Elysia needs a full host). */
export function buildRequest(method: string, path: string, options: RequestOptions = {}): Request {
	const headers: Record<string, string> = { ...options.headers }
	if (options.basic) headers.authorization = basicHeader(...options.basic)
	if (options.bearer) headers.authorization = `Bearer ${options.bearer}`
	let body: string | undefined
	if (options.form) {
		headers['content-type'] ??= 'application/x-www-form-urlencoded'
		body = encode(options.form)
	} else if (options.json !== undefined) {
		headers['content-type'] ??= 'application/json'
		body = JSON.stringify(options.json)
	}
	const query = options.query ? `?${encode(options.query)}` : ''
	return new Request(`http://localhost${path}${query}`, { method, headers, body })
}

export interface TestResponse {
	status: number
	headers: Headers
	text: string
	/** The body parsed as JSON, or undefined when it is not JSON. */
	json: any
}

/** The text parsed as JSON, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
	try {
		return JSON.parse(text)
	} catch {
		return undefined
	}
}

/** Read a response whole: status, headers, text, and the text parsed as JSON. */
export async function readResponse(response: Response): Promise<TestResponse> {
	const text = await response.text()
	return { status: response.status, headers: response.headers, text, json: parseJson(text) }
}

export async function call(
	app: AnyElysia,
	method: string,
	path: string,
	options: RequestOptions = {}
): Promise<TestResponse> {
	return readResponse(await app.handle(buildRequest(method, path, options)))
}
