/**
 * Print the README's directive table from src/auth/config/directives.ts, so that the two never
 * disagree: `bun scripts/directives.ts` (tests/auth/directives.test.ts checks the README).
 */
import { DIRECTIVES } from '../src/auth/config/directives'

export function directiveRows(): string[] {
	return Object.entries(DIRECTIVES).map(
		([name, directive]) =>
			`| \`${name}\` | ${directive.shown.replaceAll('|', '\\|')} | ${directive.doc.replaceAll('|', '\\|')} |`
	)
}

if (import.meta.main)
	console.log(['| directive | default | meaning |', '| --- | --- | --- |', ...directiveRows()].join('\n'))
