import bundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'text' }
import css from 'swagger-ui-dist/swagger-ui.css' with { type: 'text' }
export const x: string = bundle + css
