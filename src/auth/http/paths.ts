/** The path of a URL, without its query string (the URL is absolute, as a Request's). */
export function pathOf(url: string): string {
	const start = url.indexOf('/', url.indexOf('//') + 2)
	const query = url.indexOf('?', start)
	return query === -1 ? url.slice(start) : url.slice(start, query)
}
