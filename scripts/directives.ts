/**
 * The README's directive table and the supported rows of docs/DIRECTIVES.md, made from
 * src/auth/config/directives/ so that they never disagree: `bun scripts/directives.ts`
 * prints the README's table, `--write` rewrites both documents in place
 * (tests/auth/directives.test.ts checks them).
 */
import { DIRECTIVES } from '../src/auth/config/directives'
import { documented, shownDefault, type Directive } from '../src/auth/config/directives/directive'

const cell = (text: string) => text.replaceAll('|', '\\|')

/** The default and meaning cells of a directive, as the documents show them. */
export function directiveCells(name: string): [string, string] | undefined {
	const directive = (DIRECTIVES as Record<string, Directive>)[name]
	return directive && [cell(shownDefault(directive)), cell(documented(directive))]
}

/** The README's rows: name, default, meaning. */
export function directiveRows(): string[] {
	return Object.keys(DIRECTIVES).map((name) => `| \`${name}\` | ${directiveCells(name)!.join(' | ')} |`)
}

const README_HEADER = ['| directive | default | meaning |', '| --- | --- | --- |']

/** The README with its directive table made anew from the code. */
export function rewriteReadme(text: string): string {
	const lines = text.split('\n')
	const first = lines.findIndex((line) => /^\| `FSA_/.test(line))
	let last = first
	while (last + 1 < lines.length && /^\| `FSA_/.test(lines[last + 1])) last++
	// the header and separator lines stand just before the first row
	return [
		...lines.slice(0, first - 2),
		...README_HEADER,
		...directiveRows(),
		...lines.slice(last + 1)
	].join('\n')
}

/** docs/DIRECTIVES.md with the default and meaning of every supported directive from the code. */
export function rewriteDirectivesDoc(text: string): string {
	return text
		.split('\n')
		.map((line) => {
			const match = /^\| `(FSA_\w+)` *\| *(toml|extension) *\|/.exec(line)
			const cells = match && directiveCells(match[1])
			return cells ? `| \`${match![1]}\` | ${match![2]} | ${cells.join(' | ')} |` : line
		})
		.join('\n')
}

if (import.meta.main) {
	if (process.argv.includes('--write')) {
		for (const [path, rewrite] of [
			['README.md', rewriteReadme],
			['docs/DIRECTIVES.md', rewriteDirectivesDoc]
		] as const)
			await Bun.write(path, rewrite(await Bun.file(path).text()))
		console.log('README.md and docs/DIRECTIVES.md rewritten: run prettier --write on them')
	} else console.log([...README_HEADER, ...directiveRows()].join('\n'))
}
