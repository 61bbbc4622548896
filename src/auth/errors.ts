/**
 * Errors of the framework and how they are rendered: `ErrorResponse` carries an HTTP
 * status to the client, `ConfigError` stops the service at start.
 */

/** Longest error message sent: a message that echoes a request stays short whatever it held. */
const MAX_MESSAGE = 1000

/** An error meant for the client: its message and status become the HTTP response. */
export class ErrorResponse extends Error {
	override name = 'ErrorResponse'
	/** For the request log only, never sent: who tried (a login, a token masked to its end). */
	detail: string | undefined

	constructor(
		message: string,
		public status: number,
		public headers: Record<string, string> = {}
	) {
		super(message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message)
	}
}

/** Attach log-only detail to an error on its way up. */
export function withDetail<E>(error: E, detail: string): E {
	if (error instanceof ErrorResponse) error.detail ??= detail
	return error
}

/** A token as logs may show it: its last 4 characters. */
export function maskToken(token: string): string {
	return token.length > 8 ? `…${token.slice(-4)}` : '…'
}

/** A bad configuration or route declaration, reported at start. */
export class ConfigError extends Error {
	override name = 'ConfigError'
}

/**
 * Throw an `ErrorResponse`; usable inside expressions like FlaskSimpleAuth's `fsa.err`.
 * @example exists(login) && err(`cannot overwrite existing user: ${login}`, 409)
 */
export function err(message: string, status = 400, headers?: Record<string, string>): never {
	throw new ErrorResponse(message, status, headers)
}

/** How `FSA_ERROR_RESPONSE` renders an error message: `plain`, `json` or `json:KEY`. */
export type ErrorFormat = { kind: 'plain' } | { kind: 'json' } | { kind: 'json-key'; key: string }

export function parseErrorFormat(value: string): ErrorFormat | undefined {
	if (value === 'plain') return { kind: 'plain' }
	if (value === 'json') return { kind: 'json' }
	if (value.startsWith('json:') && value.length > 5) return { kind: 'json-key', key: value.slice(5) }
	return undefined
}

export function renderErrorBody(format: ErrorFormat, message: string): { body: string; contentType: string } {
	switch (format.kind) {
		case 'plain':
			return { body: message, contentType: 'text/plain; charset=utf-8' }
		case 'json':
			return { body: JSON.stringify(message), contentType: 'application/json' }
		case 'json-key':
			return { body: JSON.stringify({ [format.key]: message }), contentType: 'application/json' }
	}
}
