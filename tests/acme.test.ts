import { afterAll } from 'bun:test'
import { acmeSuite } from './acme-suite'
import { sqliteStore } from './stores'

const store = sqliteStore()
await store.setUp()
afterAll(() => store.tearDown())
acmeSuite(store)
