import { otpStoreSuite } from './otp-store-suite'
import { postgresStore } from '../support/stores'

await otpStoreSuite(postgresStore())
