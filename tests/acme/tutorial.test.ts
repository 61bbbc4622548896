import { afterAll } from 'bun:test'
import { acmeSuite } from './suite'
import { sqliteStore } from '../support/stores'

const store = sqliteStore()
await store.setUp()
afterAll(() => store.tearDown())
acmeSuite(store)
