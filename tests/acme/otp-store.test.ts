import { otpStoreSuite } from './otp-store-suite'
import { sqliteStore } from '../support/stores'

await otpStoreSuite(sqliteStore())
