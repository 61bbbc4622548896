import { afterAll, test } from 'bun:test'
import { acmeSuite } from './acme-suite'
import { postgresStore } from './stores'

const store = postgresStore()
if (await store.setUp()) {
	afterAll(() => store.tearDown())
	acmeSuite(store)
} else test.skip('the Acme suite on PostgreSQL (PostgreSQL is not installed)', () => {})
