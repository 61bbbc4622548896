/**
 * Route types flow to clients: an Eden Treaty client of the Acme app, checked by tsc and run
 * in process.
 */
import { describe, expect, it } from 'bun:test'
import { treaty } from '@elysiajs/eden'
import { createAcme } from '../../src/acme'
import { FAST_PASSWORDS, basicHeader } from '../support/helpers'

const config = { ...FAST_PASSWORDS, FSA_AUTH: ['token', 'basic', 'param', 'none'], FSA_REALM: 'acme' }

describe('an Eden Treaty client of Acme', () => {
	it('calls typed routes and gets typed answers', async () => {
		const { app, store } = await createAcme({ config, adminPassword: 'Adm1n!' })
		try {
			const api = treaty(app)
			const hello = await api.hello.get()
			expect(hello.status).toBe(200)
			// the response type is { msg: string; version: string }: these lines type-check
			const message: string | undefined = hello.data?.msg
			const version: string | undefined = hello.data?.version
			expect(message).toBe('hello')
			expect(version).toMatch(/^\d+\.\d+\.\d+$/)

			const headers = { authorization: basicHeader('acme', 'Adm1n!') }
			const me = await api['hello-me'].get({ headers })
			expect(me.data).toEqual({ msg: 'hello', user: 'acme' })
			const denied = await api['hello-me'].get()
			expect(denied.status).toBe(401)
			expect(denied.error?.status).toBe(401)

			const primes = await api.primes.get({ query: { li: ['7', '8', '11'] } })
			expect(primes.data).toEqual([7, 11])

			// @ts-expect-error: no such route, a type error for clients
			expect(api.nowhere).toBeDefined()
		} finally {
			await store.close()
		}
	})
})
