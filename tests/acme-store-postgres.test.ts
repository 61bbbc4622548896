import { acmeStoreSuite } from './acme-store-suite'
import { postgresStore } from './stores'

acmeStoreSuite(postgresStore())
