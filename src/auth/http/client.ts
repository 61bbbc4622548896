/**
 * Who is on the other end of a request: the socket's address, and what trusted reverse
 * proxies say about the original client (X-Forwarded-For, X-Forwarded-Proto).
 */

const socketAddresses = new WeakMap<Request, string>()

/**
 * Record the socket address of a request (transports do this; tests may too).
 * @example app.handle(setClientAddress(new Request('http://localhost/me'), '127.0.0.1'))
 */
export function setClientAddress(request: Request, address: string): Request {
	socketAddresses.set(request, address)
	return request
}

/** The socket address of a request, when a transport recorded one. */
export function socketAddress(request: Request): string | undefined {
	return socketAddresses.get(request)
}

/** Whether an address is on the loopback interface. */
export function isLoopback(address: string): boolean {
	const plain = address.startsWith('::ffff:') ? address.slice(7) : address
	return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain)
}

export interface ClientInfo {
	/** The socket peer's address, when known. */
	socket: string | undefined
	/** The client's address: the socket's, or the one a trusted proxy forwarded. */
	address: string | undefined
	/** Whether the request reached the service (or the trusted proxy) over TLS. */
	secure: boolean
	/** Whether the socket peer is a configured trusted proxy. */
	viaTrustedProxy: boolean
}

/**
 * Describe the client of a request whose socket peer is `socket`; forwarded headers count
 * only from trusted proxies.
 */
export function clientInfo(
	request: Request,
	socket: string | undefined,
	trustedProxies: readonly string[],
	url = request.url
): ClientInfo {
	const secure = url.startsWith('https:')
	if (socket === undefined || !trustedProxies.includes(socket))
		return { socket, address: socket, secure, viaTrustedProxy: false }
	const forwardedFor = request.headers.get('x-forwarded-for')
	const hops = forwardedFor
		?.split(',')
		.map((hop) => hop.trim())
		.filter(Boolean)
	const proto = request.headers.get('x-forwarded-proto')?.split(',')[0].trim().toLowerCase()
	return {
		socket,
		address: hops?.at(-1) ?? socket,
		secure: secure || proto === 'https',
		viaTrustedProxy: true
	}
}
