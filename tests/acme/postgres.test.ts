import { afterAll, test } from 'bun:test'
import { acmeSuite } from './suite'
import { postgresStore } from '../support/stores'

const store = postgresStore()
if (await store.setUp()) {
	afterAll(() => store.tearDown())
	acmeSuite(store)
} else test.skip('the Acme suite on PostgreSQL (PostgreSQL is not installed)', () => {})
