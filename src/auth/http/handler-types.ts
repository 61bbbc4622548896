/**
 * What a route's handler receives from the framework, and the type of the plugin that gives it:
 * the `auth` decorator and the route options, nothing of the framework's inner state.
 */
import type { Static, TObject } from '@sinclair/typebox'
import type { MacroToProperty } from 'elysia/types'
import type { AuthzRule } from '../authz/rules'

/** `authz` values that let anyone in: the handler may see no user. */
export type OpenRule = 'OPEN' | 'NOAUTH'

/** The login a handler receives under an `authz` rule. */
export type UserOf<Rule> = Rule extends OpenRule ? string | null : string

/** The arguments a handler receives from an `args` schema. */
export type ArgsOf<Options> = Options extends { args: infer Schema extends TObject } ? Static<Schema> : {}

/** What the framework adds to the context of a route's handler. */
export type Granted<Rule, Options> = {
	/** The authenticated login; null only on OPEN routes reached without credentials. */
	user: UserOf<Rule>
	/** The route's parameters, typed and converted from the path, query, form and JSON body. */
	args: ArgsOf<Options>
}

/** The route options the plugin adds, as functions of what a route gives them (Elysia's macros). */
export type RouteMacros<Schemes extends string> = {
	/** Who may call the route: OPEN, AUTH, CLOSE, a group, `[domain, variables, mode]`, or a list of them. */
	authz: (rule: AuthzRule) => {}
	/** The schemes this route accepts, within FSA_AUTH (`password` stands for basic and param). */
	authn: (schemes: Schemes | 'password' | readonly (Schemes | 'password')[]) => {}
	/** Typed parameters, merged from the path, query, form and JSON body. */
	args: (schema: TObject) => {}
	/** A realm of its own for this route's challenges and tokens. */
	realm: (realm: string) => {}
}

/**
 * The type of `simpleAuth(auth)`: the `auth` decorator and the route options, and nothing of
 * the framework's inner state.
 */
export type SimpleAuthPlugin<Auth, Schemes extends string> = import('elysia').Elysia<
	'',
	{ decorator: { auth: Auth }; store: {}; derive: {}; resolve: {} },
	{ typebox: {}; error: {} },
	{
		schema: {}
		standaloneSchema: {}
		macro: Partial<MacroToProperty<RouteMacros<Schemes>>>
		macroFn: RouteMacros<Schemes>
		parser: {}
		response: {}
	}
>
