import { otpStoreSuite } from './otp-store-suite'
import { sqliteStore } from '../support/stores'

otpStoreSuite(sqliteStore())
