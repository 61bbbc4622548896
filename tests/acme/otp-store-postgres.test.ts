import { otpStoreSuite } from './otp-store-suite'
import { postgresStore } from '../support/stores'

otpStoreSuite(postgresStore())
