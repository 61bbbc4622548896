/**
 * What a route's handler receives, typed from its declaration. Elysia types a macro's context
 * from the macro alone, never from the value a route gives it, so `user` and `args` could not
 * follow `authz` and `args` through a macro. These overloads of Elysia's route methods take
 * the route's options as Elysia does (so `params`, `body`, Eden's types all stay Elysia's) and
 * add `user` (a string wherever authentication is required, `string | null` on OPEN routes)
 * and `args` (the static type of the route's `args` schema). They apply only to applications
 * that use `simpleAuth(auth)`, and only to routes that declare `authz`.
 */
import type { Static, TObject } from '@sinclair/typebox'
import type {
	BaseMacro,
	ComposeElysiaResponse,
	CreateEden,
	CreateEdenResponse,
	DefinitionBase,
	EphemeralType,
	InlineHandler,
	InputSchema,
	IntersectIfObjectSchema,
	JoinPath,
	LocalHook,
	MacroToContext,
	MacroToProperty,
	MergeSchema,
	MetadataBase,
	NonResolvableMacroKey,
	PossibleResponse,
	RouteBase,
	SingletonBase,
	UnionResponseStatus,
	UnwrapRoute
} from 'elysia/types'
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

/**
 * What a declared route may answer besides its handler's value: a missing or bad parameter,
 * failed authentication, a refused group or permission, a missing object. The body's shape
 * follows FSA_ERROR_RESPONSE, known only at run time.
 */
type RefusalStatuses = { 400: unknown; 401: unknown; 403: unknown; 404: unknown }

/** Route options that declare `authz`, when the application uses `simpleAuth` (else never). */
type Declared<Macro> = 'authz' extends keyof Macro ? { authz: AuthzRule } : never

/** Elysia's macro context of a route, plus what the framework grants its handler. */
type WithGrant<Context, Rule, Options> = {
	response: Context extends { response: infer Response extends PossibleResponse } ? Response : {}
	return: (Context extends { return: infer Return extends PossibleResponse } ? Return : {}) &
		RefusalStatuses
	resolve: (Context extends { resolve: infer Resolved } ? Resolved : {}) & Granted<Rule, Options>
}

/** The schema Elysia infers for a route (its own computation, unchanged). */
type RouteSchemaOf<
	BasePath extends string,
	Path extends string,
	Input extends InputSchema<keyof Definitions['typebox'] & string>,
	Definitions extends DefinitionBase,
	Metadata extends MetadataBase,
	Ephemeral extends EphemeralType,
	Volatile extends EphemeralType
> = IntersectIfObjectSchema<
	MergeSchema<
		UnwrapRoute<Input, Definitions['typebox'], JoinPath<BasePath, Path>>,
		MergeSchema<Volatile['schema'], MergeSchema<Ephemeral['schema'], Metadata['schema']>>
	>,
	Metadata['standaloneSchema'] & Ephemeral['standaloneSchema'] & Volatile['standaloneSchema']
>

/** The application after a route is added (Elysia's own result type, for Eden and chaining). */
type WithRoute<
	Method extends string,
	BasePath extends string,
	Singleton extends SingletonBase,
	Definitions extends DefinitionBase,
	Metadata extends MetadataBase,
	Routes extends RouteBase,
	Ephemeral extends EphemeralType,
	Volatile extends EphemeralType,
	Path extends string,
	Schema,
	Context extends { return: unknown },
	Handle
> = import('elysia').Elysia<
	BasePath,
	Singleton,
	Definitions,
	Metadata,
	Routes &
		CreateEden<
			JoinPath<BasePath, Path>,
			{
				[method in Method]: CreateEdenResponse<
					Path,
					Schema & {},
					Context & {},
					ComposeElysiaResponse<
						Schema &
							Context &
							Metadata['standaloneSchema'] &
							Ephemeral['standaloneSchema'] &
							Volatile['standaloneSchema'],
						Handle,
						UnionResponseStatus<
							Metadata['response'],
							UnionResponseStatus<
								Ephemeral['response'],
								UnionResponseStatus<Volatile['response'], Context['return'] & {}>
							>
						>
					>
				>
			}
		>,
	Ephemeral,
	Volatile
>

/** Elysia's macro context of a route (its own computation). */
type ContextOf<
	Metadata extends MetadataBase,
	Definitions extends DefinitionBase,
	Input
> = {} extends Metadata['macroFn']
	? {}
	: Omit<Input, NonResolvableMacroKey> extends infer Selected extends BaseMacro
		? MacroToContext<Metadata['macroFn'], Selected, Definitions['typebox']>
		: {}

type DecoratorOf<
	Singleton extends SingletonBase,
	Ephemeral extends EphemeralType,
	Volatile extends EphemeralType
> = Singleton & {
	derive: Ephemeral['derive'] & Volatile['derive']
	resolve: Ephemeral['resolve'] & Volatile['resolve']
}

declare module 'elysia' {
	// the type parameters must be named as Elysia's own class names them
	interface Elysia<
		BasePath extends string,
		Singleton extends SingletonBase,
		Definitions extends DefinitionBase,
		Metadata extends MetadataBase,
		Routes extends RouteBase,
		Ephemeral extends EphemeralType,
		Volatile extends EphemeralType
	> {
		get<
			const Path extends string,
			const Input extends Metadata['macro'] &
				InputSchema<keyof Definitions['typebox'] & string> &
				Declared<Metadata['macro']>,
			const Schema extends RouteSchemaOf<
				BasePath,
				Path,
				Input,
				Definitions,
				Metadata,
				Ephemeral,
				Volatile
			>,
			const Decorator extends DecoratorOf<Singleton, Ephemeral, Volatile>,
			const Rule extends AuthzRule,
			const Context extends WithGrant<ContextOf<Metadata, Definitions, Input>, Rule, Input>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>
		>(
			path: Path,
			handler: Handle,
			hook: LocalHook<
				Input,
				Schema & Context,
				Decorator,
				Definitions['error'],
				keyof Metadata['parser']
			> & {
				authz: Rule
			}
		): WithRoute<
			'get',
			BasePath,
			Singleton,
			Definitions,
			Metadata,
			Routes,
			Ephemeral,
			Volatile,
			Path,
			Schema,
			Context,
			Handle
		>
		post<
			const Path extends string,
			const Input extends Metadata['macro'] &
				InputSchema<keyof Definitions['typebox'] & string> &
				Declared<Metadata['macro']>,
			const Schema extends RouteSchemaOf<
				BasePath,
				Path,
				Input,
				Definitions,
				Metadata,
				Ephemeral,
				Volatile
			>,
			const Decorator extends DecoratorOf<Singleton, Ephemeral, Volatile>,
			const Rule extends AuthzRule,
			const Context extends WithGrant<ContextOf<Metadata, Definitions, Input>, Rule, Input>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>
		>(
			path: Path,
			handler: Handle,
			hook: LocalHook<
				Input,
				Schema & Context,
				Decorator,
				Definitions['error'],
				keyof Metadata['parser']
			> & {
				authz: Rule
			}
		): WithRoute<
			'post',
			BasePath,
			Singleton,
			Definitions,
			Metadata,
			Routes,
			Ephemeral,
			Volatile,
			Path,
			Schema,
			Context,
			Handle
		>
		put<
			const Path extends string,
			const Input extends Metadata['macro'] &
				InputSchema<keyof Definitions['typebox'] & string> &
				Declared<Metadata['macro']>,
			const Schema extends RouteSchemaOf<
				BasePath,
				Path,
				Input,
				Definitions,
				Metadata,
				Ephemeral,
				Volatile
			>,
			const Decorator extends DecoratorOf<Singleton, Ephemeral, Volatile>,
			const Rule extends AuthzRule,
			const Context extends WithGrant<ContextOf<Metadata, Definitions, Input>, Rule, Input>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>
		>(
			path: Path,
			handler: Handle,
			hook: LocalHook<
				Input,
				Schema & Context,
				Decorator,
				Definitions['error'],
				keyof Metadata['parser']
			> & {
				authz: Rule
			}
		): WithRoute<
			'put',
			BasePath,
			Singleton,
			Definitions,
			Metadata,
			Routes,
			Ephemeral,
			Volatile,
			Path,
			Schema,
			Context,
			Handle
		>
		patch<
			const Path extends string,
			const Input extends Metadata['macro'] &
				InputSchema<keyof Definitions['typebox'] & string> &
				Declared<Metadata['macro']>,
			const Schema extends RouteSchemaOf<
				BasePath,
				Path,
				Input,
				Definitions,
				Metadata,
				Ephemeral,
				Volatile
			>,
			const Decorator extends DecoratorOf<Singleton, Ephemeral, Volatile>,
			const Rule extends AuthzRule,
			const Context extends WithGrant<ContextOf<Metadata, Definitions, Input>, Rule, Input>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>
		>(
			path: Path,
			handler: Handle,
			hook: LocalHook<
				Input,
				Schema & Context,
				Decorator,
				Definitions['error'],
				keyof Metadata['parser']
			> & {
				authz: Rule
			}
		): WithRoute<
			'patch',
			BasePath,
			Singleton,
			Definitions,
			Metadata,
			Routes,
			Ephemeral,
			Volatile,
			Path,
			Schema,
			Context,
			Handle
		>
		delete<
			const Path extends string,
			const Input extends Metadata['macro'] &
				InputSchema<keyof Definitions['typebox'] & string> &
				Declared<Metadata['macro']>,
			const Schema extends RouteSchemaOf<
				BasePath,
				Path,
				Input,
				Definitions,
				Metadata,
				Ephemeral,
				Volatile
			>,
			const Decorator extends DecoratorOf<Singleton, Ephemeral, Volatile>,
			const Rule extends AuthzRule,
			const Context extends WithGrant<ContextOf<Metadata, Definitions, Input>, Rule, Input>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>
		>(
			path: Path,
			handler: Handle,
			hook: LocalHook<
				Input,
				Schema & Context,
				Decorator,
				Definitions['error'],
				keyof Metadata['parser']
			> & {
				authz: Rule
			}
		): WithRoute<
			'delete',
			BasePath,
			Singleton,
			Definitions,
			Metadata,
			Routes,
			Ephemeral,
			Volatile,
			Path,
			Schema,
			Context,
			Handle
		>
		options<
			const Path extends string,
			const Input extends Metadata['macro'] &
				InputSchema<keyof Definitions['typebox'] & string> &
				Declared<Metadata['macro']>,
			const Schema extends RouteSchemaOf<
				BasePath,
				Path,
				Input,
				Definitions,
				Metadata,
				Ephemeral,
				Volatile
			>,
			const Decorator extends DecoratorOf<Singleton, Ephemeral, Volatile>,
			const Rule extends AuthzRule,
			const Context extends WithGrant<ContextOf<Metadata, Definitions, Input>, Rule, Input>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>
		>(
			path: Path,
			handler: Handle,
			hook: LocalHook<
				Input,
				Schema & Context,
				Decorator,
				Definitions['error'],
				keyof Metadata['parser']
			> & {
				authz: Rule
			}
		): WithRoute<
			'options',
			BasePath,
			Singleton,
			Definitions,
			Metadata,
			Routes,
			Ephemeral,
			Volatile,
			Path,
			Schema,
			Context,
			Handle
		>
		head<
			const Path extends string,
			const Input extends Metadata['macro'] &
				InputSchema<keyof Definitions['typebox'] & string> &
				Declared<Metadata['macro']>,
			const Schema extends RouteSchemaOf<
				BasePath,
				Path,
				Input,
				Definitions,
				Metadata,
				Ephemeral,
				Volatile
			>,
			const Decorator extends DecoratorOf<Singleton, Ephemeral, Volatile>,
			const Rule extends AuthzRule,
			const Context extends WithGrant<ContextOf<Metadata, Definitions, Input>, Rule, Input>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>
		>(
			path: Path,
			handler: Handle,
			hook: LocalHook<
				Input,
				Schema & Context,
				Decorator,
				Definitions['error'],
				keyof Metadata['parser']
			> & {
				authz: Rule
			}
		): WithRoute<
			'head',
			BasePath,
			Singleton,
			Definitions,
			Metadata,
			Routes,
			Ephemeral,
			Volatile,
			Path,
			Schema,
			Context,
			Handle
		>
		all<
			const Path extends string,
			const Input extends Metadata['macro'] &
				InputSchema<keyof Definitions['typebox'] & string> &
				Declared<Metadata['macro']>,
			const Schema extends RouteSchemaOf<
				BasePath,
				Path,
				Input,
				Definitions,
				Metadata,
				Ephemeral,
				Volatile
			>,
			const Decorator extends DecoratorOf<Singleton, Ephemeral, Volatile>,
			const Rule extends AuthzRule,
			const Context extends WithGrant<ContextOf<Metadata, Definitions, Input>, Rule, Input>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>
		>(
			path: Path,
			handler: Handle,
			hook: LocalHook<
				Input,
				Schema & Context,
				Decorator,
				Definitions['error'],
				keyof Metadata['parser']
			> & {
				authz: Rule
			}
		): WithRoute<
			'all',
			BasePath,
			Singleton,
			Definitions,
			Metadata,
			Routes,
			Ephemeral,
			Volatile,
			Path,
			Schema,
			Context,
			Handle
		>
	}
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
