/**
 * The API docs page: Swagger UI from swagger-ui-dist, embedded in the executable (imported as
 * files, so `bun build --compile` bundles them) and served by the service itself: the page
 * loads nothing from any other origin.
 */
import bundleFile from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import cssFile from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }

export const DOCS_PATH = '/openapi'
export const SPEC_PATH = '/openapi/json'

/**
 * A file's text without its trailing source map comment (the maps are not served), read on
 * the first call: 1.9 MB that every start would otherwise parse, for a page few open.
 */
function readOnce(file: string, sourceMap: RegExp): () => Promise<string> {
	let text: Promise<string> | undefined
	return () =>
		(text ??= Bun.file(file)
			.text()
			.then(
				(content) => content.replace(sourceMap, ''),
				(error) => {
					text = undefined // read again next time
					throw error
				}
			))
}

/** Static files of the page by path. */
export const DOCS_ASSETS: Record<string, { type: string; body: () => Promise<string> }> = {
	[`${DOCS_PATH}/assets/swagger-ui-bundle.js`]: {
		type: 'text/javascript; charset=utf-8',
		body: readOnce(bundleFile, /\/\/# sourceMappingURL=\S+\s*$/)
	},
	[`${DOCS_PATH}/assets/swagger-ui.css`]: {
		type: 'text/css; charset=utf-8',
		body: readOnce(cssFile, /\/\*# sourceMappingURL=[^*]*\*\/\s*$/)
	}
}

/**
 * The page's URLs are relative to the page (DOCS_PATH, without its leading slash): behind a
 * proxy that serves the service under a path prefix (/acme/openapi), they stay under it.
 */
const relative = (path: string) => path.slice(1)

const SETTINGS = {
	url: relative(SPEC_PATH),
	dom_id: '#swagger-ui',
	layout: 'BaseLayout',
	deepLinking: true,
	showExtensions: true,
	// the online validator would send the document to validator.swagger.io
	validatorUrl: null
}

/** The HTML of the docs page. */
export function docsPage(title: string): string {
	const escaped = title.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`)
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${relative(DOCS_PATH)}/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${relative(DOCS_PATH)}/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ ...${JSON.stringify(SETTINGS)}, presets: [SwaggerUIBundle.presets.apis] })
</script>
</body>
</html>
`
}
