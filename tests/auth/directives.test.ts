/**
 * The directive documentation agrees with the code, both ways: every directive the code
 * accepts is documented, and nothing documented as supported is refused.
 */
import { describe, expect, it } from 'bun:test'
import { DIRECTIVES, parseSettings } from '../../src/auth'

const directives = new Set(Object.keys(DIRECTIVES))

/** Rows of a markdown table whose first cell is a directive: [name, ...other cells]. */
async function tableRows(path: string): Promise<string[][]> {
	const text = await Bun.file(new URL(`../../${path}`, import.meta.url)).text()
	return text
		.split('\n')
		.filter((line) => /^\| `FSA_/.test(line))
		.map((line) =>
			line
				.slice(1, -1)
				.split(/(?<!\\)\|/)
				.map((cell) => cell.trim().replace(/^`|`$/g, ''))
		)
}

describe('docs/DIRECTIVES.md', () => {
	it('lists every directive the code accepts as toml or extension', async () => {
		const rows = await tableRows('docs/DIRECTIVES.md')
		const accepted = rows
			.filter(([, status]) => status === 'toml' || status === 'extension')
			.map(([name]) => name)
		expect(new Set(accepted)).toEqual(directives)
	})

	it('gives every other FlaskSimpleAuth directive a status and a reason', async () => {
		const rows = await tableRows('docs/DIRECTIVES.md')
		for (const [name, status, , meaning] of rows) {
			expect(['toml', 'extension', 'code', 'n/a']).toContain(status)
			if (status === 'code' || status === 'n/a') {
				expect(directives.has(name)).toBe(false)
				expect(meaning.length).toBeGreaterThan(10)
			}
		}
		expect(rows.length).toBeGreaterThanOrEqual(62)
	})

	it('refuses the directives it marks code or n/a in a configuration file', async () => {
		const rows = await tableRows('docs/DIRECTIVES.md')
		for (const [name, status] of rows)
			if (status === 'code' || status === 'n/a')
				expect(() => parseSettings({ FSA_AUTH: 'basic', [name]: 'x' })).toThrow(name)
	})
})

describe('README.md', () => {
	it('has a row for every directive, and only for them', async () => {
		const names = (await tableRows('README.md')).map(([name]) => name)
		expect(new Set(names)).toEqual(directives)
		expect(names.length).toBe(directives.size)
	})
})
