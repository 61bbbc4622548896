/**
 * Raw request parameters, merged FlaskSimpleAuth's way: for a JSON request the JSON body
 * wins over the query string; otherwise the query string wins over the form.
 */
import { ErrorResponse } from '../errors'

/** The body as read once by the framework's parser, before anything interprets it. */
export interface RawBody {
	contentType: string
	text?: string
	form?: FormData
	error?: string
	/** The status of `error`. @default 400 */
	status?: number
}

/** Bounds on what one request may carry (FSA_MAX_PARAMS, FSA_MAX_DEPTH). */
export interface ParamLimits {
	/** Most parameters (query and form values, JSON body keys), and most items of a JSON array or object. */
	maxParams: number
	/** Deepest nesting of a JSON value. */
	maxDepth: number
}

export const DEFAULT_LIMITS: ParamLimits = { maxParams: 1000, maxDepth: 64 }

/**
 * Throw a 400 when a JSON value nests deeper than `maxDepth`, or holds an array or object of
 * more than `maxParams` items. Walks without recursion: no value can overflow the stack here.
 */
export function checkJson(value: unknown, limits: ParamLimits, what: string): void {
	const pending: [unknown, number][] = [[value, 1]]
	while (pending.length > 0) {
		const [item, depth] = pending.pop()!
		if (item === null || typeof item !== 'object') continue
		if (depth > limits.maxDepth)
			throw new ErrorResponse(`${what} is nested deeper than ${limits.maxDepth} levels`, 400)
		const children = Array.isArray(item) ? item : Object.values(item)
		if (children.length > limits.maxParams)
			throw new ErrorResponse(
				`${what} holds more than ${limits.maxParams} items in one list or object`,
				400
			)
		for (const child of children) pending.push([child, depth + 1])
	}
}

/** One parameter as it came: strings from the query or form, or a value from a JSON body. */
export type RawParam = { from: 'http'; values: string[] } | { from: 'json'; value: unknown }

export class RequestParams {
	constructor(
		readonly http: Map<string, string[]>,
		readonly json: Record<string, unknown> | null,
		/** The bounds JSON parameters sent as strings are held to as well. */
		readonly limits: ParamLimits = DEFAULT_LIMITS
	) {}

	/** Whether the request carries no parameter at all. */
	get empty(): boolean {
		return this.http.size === 0 && (this.json === null || Object.keys(this.json).length === 0)
	}

	get(name: string): RawParam | undefined {
		if (this.json && Object.hasOwn(this.json, name)) return { from: 'json', value: this.json[name] }
		const values = this.http.get(name)
		return values ? { from: 'http', values } : undefined
	}

	/** A parameter as a single string, for the authentication schemes. */
	getString(name: string): string | undefined {
		const param = this.get(name)
		if (!param) return undefined
		if (param.from === 'http') return param.values[0]
		return typeof param.value === 'string' ? param.value : undefined
	}

	/** Every parameter name with where it came from. */
	*names(): Generator<[string, 'http' | 'json']> {
		if (this.json) for (const name of Object.keys(this.json)) yield [name, 'json']
		for (const name of this.http.keys())
			if (!this.json || !Object.hasOwn(this.json, name)) yield [name, 'http']
	}
}

function addAll(target: Map<string, string[]>, entries: Iterable<[string, string]>): void {
	for (const [name, value] of entries) {
		const values = target.get(name)
		if (values) values.push(value)
		else target.set(name, [value])
	}
}

function mediaType(contentType: string): string {
	return contentType.split(';', 1)[0].trim().toLowerCase()
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Read a request body once, without interpreting it; used as Elysia's parser and for GET
 * bodies. A body over `maxBytes` is a 413, even without a Content-Length.
 */
export async function readBody(request: Request, contentType: string, maxBytes = Infinity): Promise<RawBody> {
	const type = mediaType(contentType)
	let bytes: ArrayBuffer
	try {
		if (type === 'multipart/form-data')
			return { contentType: type, form: (await request.formData()) as unknown as FormData }
		bytes = await request.arrayBuffer()
	} catch (error) {
		// Bun.serve stops a body past maxRequestBodySize (FSA_MAX_BODY) while it is read
		if (/maxRequestBodySize/.test((error as Error)?.message ?? ''))
			return { contentType: type, error: 'request body too large', status: 413 }
		return { contentType: type, error: 'malformed request body' }
	}
	// returned, not thrown: Elysia turns errors of its parsers into 400s
	if (bytes.byteLength > maxBytes)
		return { contentType: type, error: 'request body too large', status: 413 }
	try {
		return { contentType: type, text: utf8.decode(bytes) }
	} catch {
		return { contentType: type, error: 'request body is not valid UTF-8' }
	}
}

const EMPTY = new Map<string, string[]>()

/** The parameters of a request without query string or body. */
export const EMPTY_PARAMS = new RequestParams(EMPTY, null)

/** 400 when the query string and form carry more than `maxParams` values in all. */
function checkCount(http: Map<string, string[]>, limits: ParamLimits): Map<string, string[]> {
	let count = 0
	for (const values of http.values()) count += values.length
	if (count > limits.maxParams)
		throw new ErrorResponse(`too many parameters: more than ${limits.maxParams}`, 400)
	return http
}

/**
 * Merge the query string and the body into request parameters; a malformed body is a 400, and
 * so are more parameters or a deeper JSON value than `limits` allow.
 */
export function mergeParams(url: string, body: RawBody | undefined, limits = DEFAULT_LIMITS): RequestParams {
	const queryStart = url.indexOf('?')
	let http = EMPTY
	if (queryStart !== -1 && queryStart < url.length - 1) {
		http = new Map()
		addAll(http, new URLSearchParams(url.slice(queryStart + 1)))
		checkCount(http, limits)
	}
	if (!body) return new RequestParams(http, null, limits)
	if (body.error) throw new ErrorResponse(body.error, body.status ?? 400)
	if (body.form) {
		const merged = new Map(http)
		const form = new Map<string, string[]>()
		for (const [name, value] of body.form.entries())
			if (typeof value === 'string') addAll(form, [[name, value]])
		for (const [name, values] of form) merged.set(name, [...(merged.get(name) ?? []), ...values])
		return new RequestParams(checkCount(merged, limits), null, limits)
	}
	const text = body.text ?? ''
	if (text === '') return new RequestParams(http, null, limits)
	if (body.contentType === 'application/json') {
		let json: unknown
		try {
			json = JSON.parse(text)
		} catch {
			throw new ErrorResponse('malformed JSON body', 400)
		}
		if (json === null || typeof json !== 'object' || Array.isArray(json))
			throw new ErrorResponse('a JSON body must be an object of parameters', 400)
		checkJson(json, limits, 'the JSON body')
		return new RequestParams(http, json as Record<string, unknown>, limits)
	}
	if (body.contentType === 'application/x-www-form-urlencoded' || body.contentType === '') {
		const merged = new Map(http)
		for (const [name, values] of groupForm(text))
			merged.set(name, [...(merged.get(name) ?? []), ...values])
		return new RequestParams(checkCount(merged, limits), null, limits)
	}
	throw new ErrorResponse(`unsupported content type: ${capped(body.contentType)}`, 415)
}

/** A value echoed in a message, cut to a length that keeps the message short. */
export function capped(text: string, length = 64): string {
	return text.length > length ? `${text.slice(0, length - 3)}...` : text
}

function groupForm(text: string): Map<string, string[]> {
	const form = new Map<string, string[]>()
	addAll(form, new URLSearchParams(text))
	return form
}
