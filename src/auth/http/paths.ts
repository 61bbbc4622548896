/**
 * The path of a request URL, and whether Elysia reads the same one: Elysia looks for the path
 * at `url.indexOf('/', 11)`, which assumes a host of at least four characters.
 */

/**
 * The path of a URL, without its query string: the URL is absolute, as a Request's, or a bare
 * path, as Bun.serve gives when the Host header is empty, invalid or absent (HTTP/1.0).
 */
export function pathOf(url: string): string {
	const start = url.startsWith('/') ? 0 : url.indexOf('/', url.indexOf('//') + 2)
	if (start === -1) return '/'
	const query = url.indexOf('?', start)
	return query === -1 ? url.slice(start) : url.slice(start, query)
}

/** The path Elysia routes a URL by (its general handler's own arithmetic). */
export function routedPathOf(url: string): string {
	const start = url.indexOf('/', 11)
	const query = url.indexOf('?', start + 1)
	return url.substring(start, query === -1 ? undefined : query)
}

/** Whether a route's pattern (`/stuff/:sid`, `/files/*`) matches a path, a trailing slash aside. */
export function patternMatches(pattern: string, path: string): boolean {
	const want = pattern.replace(/(.)\/$/, '$1').split('/')
	const have = path.replace(/(.)\/$/, '$1').split('/')
	for (let index = 0; index < want.length; index++) {
		const segment = want[index]
		if (segment === '*') return true
		if (index >= have.length) return false
		if (segment.startsWith(':')) {
			if (have[index] === '') return false
		} else if (segment !== have[index] && encodeURI(segment) !== have[index]) return false
	}
	return want.length === have.length
}

/**
 * Whether the route that runs is the route of the path asked for: always when Elysia reads the
 * path right; otherwise (a short, empty or absent Host) only when the route's pattern, as a
 * router that read the path right chose it, matches that path.
 */
export function routedRight(url: string, route: string | undefined): boolean {
	// most requests, without a copy: an absolute URL whose path starts where Elysia looks for it
	const routedStart = url.indexOf('/', 11)
	if (
		routedStart !== -1 &&
		url.charCodeAt(0) !== 47 &&
		url.indexOf('/', url.indexOf('//') + 2) === routedStart
	)
		return true
	const path = pathOf(url)
	if (routedPathOf(url) === path) return true
	return route !== undefined && patternMatches(route, path)
}

/**
 * FlaskSimpleAuth's `checkPath`: lower-case path segments joined by dashes, parameters in
 * snake case, and no HTTP method names in the path.
 */
export function checkPath(method: string, path: string): string | undefined {
	if (!/^((\/[a-z][a-z0-9]*(-[a-z0-9]+)*|\/:[a-z][_a-z0-9]*)+|\/)$/.test(path))
		return `invalid path: ${path}`
	for (const word of ['get', 'post', 'put', 'patch', 'delete'])
		if (path.split(/[/-]/).includes(word)) return `method name "${word}" in path: ${method} ${path}`
	return undefined
}
