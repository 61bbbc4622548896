import { acmeStoreSuite } from './store-suite'
import { postgresStore } from '../support/stores'

await acmeStoreSuite(postgresStore())
