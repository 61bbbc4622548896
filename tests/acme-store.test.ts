import { acmeStoreSuite } from './acme-store-suite'
import { sqliteStore } from './stores'

acmeStoreSuite(sqliteStore())
