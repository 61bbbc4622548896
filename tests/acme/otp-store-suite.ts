/**
 * Second factors in the database, on any store: enrolment, the replay guard and backup codes
 * used once even when two connections (two instances) race. Run on SQLite and PostgreSQL.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { AcmeData } from '../../src/acme/store'
import { backupCodeHash, newBackupCode } from '../../src/acme/otp-store'
import { useCode } from '../../src/acme/second-factor'
import { totp } from '../../src/auth'
import type { TestStore } from '../support/stores'
import { needing } from '../support/real-servers'

/** Start what `store` needs, then declare its tests: skipped, and titled so, where it cannot run. */
export async function otpStoreSuite(store: TestStore): Promise<void> {
	const available = await store.setUp()
	afterAll(() => store.tearDown())

	describe.skipIf(!available)(needing(`second factors on ${store.kind}`, store.kind, available), () => {
		let db: AcmeData
		const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'
		const codes = Array.from({ length: 10 }, newBackupCode)

		beforeEach(async () => {
			db = await AcmeData.open(await store.fresh())
			await db.addUser('susie', 'susie-pass', 'susie@acme.org', false)
		})
		afterEach(async () => {
			await db.close()
		})

		test('enabling stores the secret and hashed backup codes, bumps the version; disabling clears them', async () => {
			const before = await db.userVersion('susie')
			expect(await db.otp.hasSecondFactor('susie')).toBe(false)
			await db.otp.enable('susie', SECRET, codes)
			expect(await db.otp.hasSecondFactor('susie')).toBe(true)
			expect(await db.otp.secretOf('susie')).toBe(SECRET)
			expect(await db.otp.backupCodesLeft('susie')).toBe(10)
			const { otp_backup } = (await db.driver.one<{ otp_backup: string }>(
				"SELECT otp_backup FROM users WHERE login = 'susie'"
			))!
			for (const code of codes) expect(otp_backup).not.toContain(code.replaceAll('-', ''))
			expect(await db.listUsers()).toEqual([
				{ login: 'susie', email: 'susie@acme.org', admin: false, otp: true }
			])
			const enabled = await db.userVersion('susie')
			expect(enabled).not.toBe(before)
			expect(await db.otp.disable('susie')).toBe(true)
			expect(await db.otp.disable('susie')).toBe(false)
			expect(await db.otp.hasSecondFactor('susie')).toBe(false)
			expect(await db.userVersion('susie')).not.toBe(enabled)
			await expect(db.otp.enable('hobbes', SECRET, codes)).rejects.toMatchObject({ status: 404 })
			await expect(db.otp.disable('hobbes')).rejects.toMatchObject({ status: 404 })
		})

		test('a TOTP code is accepted once, and no code of an earlier step after it', async () => {
			await db.otp.enable('susie', SECRET, codes)
			const now = Date.now()
			const code = totp(SECRET, undefined, now)!
			expect(await useCode(db, 'susie', code, now)).toBe(true)
			expect(await useCode(db, 'susie', code, now)).toBe(false)
			expect(await useCode(db, 'susie', totp(SECRET, undefined, now - 30_000)!, now)).toBe(false)
			expect(await useCode(db, 'susie', totp(SECRET, undefined, now + 30_000)!, now)).toBe(true)
			expect(await useCode(db, 'susie', '000000x', now)).toBe(false)
			expect(await useCode(db, 'hobbes', code, now)).toBe(false)
		})

		test('each backup code works once, in any case and with or without dashes', async () => {
			await db.otp.enable('susie', SECRET, codes)
			expect(await useCode(db, 'susie', codes[0])).toBe(true)
			expect(await useCode(db, 'susie', codes[0])).toBe(false)
			expect(await useCode(db, 'susie', codes[1].replaceAll('-', '').toUpperCase())).toBe(true)
			expect(await db.otp.backupCodesLeft('susie')).toBe(8)
			for (const bad of ['', 'not-a-code', newBackupCode(), '%', `${codes[2]}x`])
				expect(await useCode(db, 'susie', bad)).toBe(false)
			expect(backupCodeHash('%%%%-%%%%-%%%%-%%%%')).toBeUndefined()
			// a new enrolment replaces the codes: the old ones are gone
			await db.otp.enable('susie', SECRET, [newBackupCode()])
			expect(await useCode(db, 'susie', codes[2])).toBe(false)
		})

		test('two instances given the same code at once: exactly one accepts it', async () => {
			const path = await store.persistent()
			const [one, two] = [await AcmeData.open(path), await AcmeData.open(path)]
			try {
				await one.addUser('susie', 'x', 'susie@acme.org', false)
				await one.otp.enable('susie', SECRET, codes)
				const now = Date.now()
				const code = totp(SECRET, undefined, now)!
				const totpRace = await Promise.all([
					useCode(one, 'susie', code, now),
					useCode(two, 'susie', code, now)
				])
				expect(totpRace.filter(Boolean)).toHaveLength(1)
				const backupRace = await Promise.all([
					useCode(one, 'susie', codes[3]),
					useCode(two, 'susie', codes[3])
				])
				expect(backupRace.filter(Boolean)).toHaveLength(1)
			} finally {
				await Promise.all([one.close(), two.close()])
			}
		})
	})
}
