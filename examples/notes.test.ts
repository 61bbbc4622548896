import { describe, expect, it } from 'bun:test'
import { checkRoutes } from '../src/auth'
import { call } from '../tests/support/helpers'
import { createNotesApp } from './notes'

const cheap = { FSA_PASSWORD_OPTS: { memory_cost: 64, time_cost: 1 } }

describe('the notes example', () => {
	it('logs in, writes and reads own notes, and keeps others out', async () => {
		const { app } = await createNotesApp(cheap)
		expect(checkRoutes(app)).toEqual([])
		expect((await call(app, 'GET', '/login')).status).toBe(401)
		const { token } = (await call(app, 'GET', '/login', { basic: ['alan', 'Turing1912'] })).json
		const created = await call(app, 'POST', '/notes', {
			bearer: token,
			json: { text: 'on computable numbers' }
		})
		expect(created).toMatchObject({ status: 201, json: { id: 1 } })
		expect((await call(app, 'GET', '/notes/1', { bearer: token })).text).toBe('on computable numbers')
		// a path id reaches its object only by its canonical spelling
		for (const spelling of ['0x1', '01', '1e0', '%201', '1.0'])
			expect((await call(app, 'GET', `/notes/${spelling}`, { bearer: token })).status).toBe(400)
		expect((await call(app, 'GET', '/notes/2', { bearer: token })).status).toBe(404)
		expect((await call(app, 'GET', '/notes/one', { bearer: token })).status).toBe(400)
		expect((await call(app, 'GET', '/notes/1', { basic: ['ada', 'Lovelace1815'] })).status).toBe(403)
		expect((await call(app, 'GET', '/stats', { bearer: token })).status).toBe(403)
		expect((await call(app, 'GET', '/stats', { basic: ['ada', 'Lovelace1815'] })).json).toEqual({
			notes: 1
		})
		expect((await call(app, 'POST', '/notes', { bearer: token, json: { text: '' } })).status).toBe(400)
	})
})
