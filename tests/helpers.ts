/**
 * Shared test helpers: requests against an app in process, and cheap password hashing.
 */
import type { AnyElysia } from 'elysia'

/** Argon2 at its cheapest: tests check behaviour, not hashing cost. */
export const FAST_PASSWORDS = { FSA_PASSWORD_OPTS: { memory_cost: 64, time_cost: 1 } }

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

export async function call(
	app: AnyElysia,
	method: string,
	path: string,
	options: RequestOptions = {}
): Promise<TestResponse> {
	const response = await app.handle(buildRequest(method, path, options))
	const text = await response.text()
	let json: unknown
	try {
		json = JSON.parse(text)
	} catch {
		json = undefined
	}
	return { status: response.status, headers: response.headers, text, json }
}
