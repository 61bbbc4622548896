/** Files of swagger-ui-dist imported `with { type: 'text' }`: their content, embedded in the binary. */
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
	const text: string
	export default text
}
declare module 'swagger-ui-dist/swagger-ui.css' {
	const text: string
	export default text
}
