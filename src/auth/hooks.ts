/**
 * The application's hooks, as SimpleAuth registers them: what the checks ask (a password hash,
 * a user's version, groups, object permissions...), what shapes requests and responses, and one
 * way to call a hook and wrap what it throws. The lists are frozen: a hook is added only through
 * its registration method, which refuses the hooks that decide how requests flow once the
 * plugin is built.
 */
import { ConfigError, ErrorResponse } from './errors'
import type { CastFunction, SpecialFunction } from './params/args'
import type {
	AfterRequest,
	ApiKeyLookup,
	ApiKeyUsed,
	AuthenticationScheme,
	BeforeExec,
	BeforeRequest,
	GetUserPass,
	GroupCheck,
	HeaderValue,
	MaybePromise,
	ObjectPermission,
	PasswordCheck,
	PasswordQuality,
	PathCheck,
	RequestLog,
	RequestRecord,
	SecondFactor,
	UserInGroup,
	UserVersion
} from './types'

/**
 * Call an application hook: an ErrorResponse it throws passes as it is; any other error is
 * logged and answers "internal error in NAME" (FSA_SERVER_ERROR). A hook that answers at once
 * is answered at once.
 */
export function callHook<T>(name: string, serverError: number, call: () => MaybePromise<T>): MaybePromise<T> {
	let answer: MaybePromise<T>
	try {
		answer = call()
	} catch (error) {
		return hookFailed(name, serverError, error)
	}
	return answer instanceof Promise ? answer.catch((error) => hookFailed(name, serverError, error)) : answer
}

/** What a hook threw, as `callHook` answers it: an ErrorResponse as it is, anything else a logged 500. */
export function hookFailed(name: string, serverError: number, error: unknown): never {
	if (error instanceof ErrorResponse) throw error
	console.error(`${name} failed:`, error)
	throw new ErrorResponse(`internal error in ${name}`, serverError)
}

const NONE = Object.freeze([]) as readonly never[]

/** The hooks that decide how a request flows, named as their registration methods are. */
export type FlowHook = 'beforeRequest' | 'afterRequest' | 'beforeExec' | 'addHeaders'

export class AppHooks {
	getUserPass: GetUserPass | undefined
	userVersion: UserVersion | undefined
	userInGroup: UserInGroup | undefined
	passwordCheck: PasswordCheck | undefined
	passwordQuality: PasswordQuality | undefined
	/** Who needs more than a password: a password scheme refuses them alone. */
	secondFactor: SecondFactor | undefined
	pathCheck: PathCheck | undefined
	/** The stored record of an API key, by id (the apikey scheme). */
	apiKey: ApiKeyLookup | undefined
	/** Where the last use of each key is recorded, at most once a minute per key. */
	apiKeyUsed: ApiKeyUsed | undefined
	readonly groupChecks = new Map<string, GroupCheck>()
	readonly domainChecks = new Map<string, ObjectPermission>()
	readonly casts = new Map<string, CastFunction>()
	readonly specials = new Map<string, SpecialFunction>()
	#beforeRequest: readonly BeforeRequest[] = NONE
	#afterRequest: readonly AfterRequest[] = NONE
	#beforeExec: readonly BeforeExec[] = NONE
	/**
	 * Never handed out, so a plain array: walked on every request, and JavaScriptCore walks a
	 * frozen one four times slower. `requestLog` hands out a frozen copy.
	 */
	readonly #requestLog: RequestLog[] = []
	#headers: Readonly<Record<string, HeaderValue>> = Object.freeze({})
	#sealed = false

	constructor(
		/** Custom authentication schemes by name (FSA_AUTHENTICATION). */
		readonly schemes: Readonly<Record<string, AuthenticationScheme>>
	) {}

	get beforeRequest(): readonly BeforeRequest[] {
		return this.#beforeRequest
	}
	get afterRequest(): readonly AfterRequest[] {
		return this.#afterRequest
	}
	get beforeExec(): readonly BeforeExec[] {
		return this.#beforeExec
	}
	get requestLog(): readonly RequestLog[] {
		return Object.freeze([...this.#requestLog])
	}
	get headers(): Readonly<Record<string, HeaderValue>> {
		return this.#headers
	}

	/** From now on (the plugin is built), the hooks that decide how requests flow are refused. */
	seal(): void {
		this.#sealed = true
	}

	#unsealed(hook: FlowHook): void {
		if (this.#sealed) throw new ConfigError(`register ${hook} before using simpleAuth(auth)`)
	}

	addBeforeRequest(hook: BeforeRequest): void {
		this.#unsealed('beforeRequest')
		this.#beforeRequest = Object.freeze([...this.#beforeRequest, hook])
	}

	addAfterRequest(hook: AfterRequest): void {
		this.#unsealed('afterRequest')
		this.#afterRequest = Object.freeze([...this.#afterRequest, hook])
	}

	addBeforeExec(hook: BeforeExec): void {
		this.#unsealed('beforeExec')
		this.#beforeExec = Object.freeze([...this.#beforeExec, hook])
	}

	addHeaders(headers: Record<string, HeaderValue>): void {
		this.#unsealed('addHeaders')
		this.#headers = Object.freeze({ ...this.#headers, ...headers })
	}

	/** A receiver of the request log may come at any time: it changes no answer. */
	addRequestLog(hook: RequestLog): void {
		this.#requestLog.push(hook)
	}

	/** Whether anything receives the request log. */
	get logging(): boolean {
		return this.#requestLog.length > 0
	}

	/** Give every receiver of the request log its record. */
	log(record: RequestRecord): void {
		for (const hook of this.#requestLog) hook(record)
	}
}
