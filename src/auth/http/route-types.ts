/**
 * What a route's handler receives, typed from its declaration. Elysia types a macro's context
 * from the macro alone, never from the value a route gives it, so `user` and `args` could not
 * follow `authz` and `args` through a macro. These overloads of Elysia's route methods take
 * the route's options as Elysia does (so `params`, `body`, Eden's types all stay Elysia's) and
 * add `user` (a string wherever authentication is required, `string | null` on OPEN routes)
 * and `args` (the static type of the route's `args` schema). They apply only to applications
 * that use `simpleAuth(auth)`, and only to routes that declare `authz`.
 */
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
	MergeSchema,
	MetadataBase,
	NonResolvableMacroKey,
	PossibleResponse,
	RouteSchema,
	RouteBase,
	SingletonBase,
	UnionResponseStatus,
	UnwrapRoute
} from 'elysia/types'
import type { AuthzRule } from '../authz/rules'
import type { Granted } from './handler-types'

/**
 * What a declared route may answer besides its handler's value: a missing or bad parameter,
 * failed authentication, a refused group or permission, a missing object. The body's shape
 * follows FSA_ERROR_RESPONSE, known only at run time.
 */
type RefusalStatuses = { 400: unknown; 401: unknown; 403: unknown; 404: unknown }

/** Route options that declare `authz`, when the application uses `simpleAuth` (else never). */
type Declared<Macro> = 'authz' extends keyof Macro ? { authz: AuthzRule } : never

/** A route's options as Elysia takes them, when they declare `authz`. */
type DeclaredInput<Metadata extends MetadataBase, Definitions extends DefinitionBase> = Metadata['macro'] &
	InputSchema<keyof Definitions['typebox'] & string> &
	Declared<Metadata['macro']>

/** Elysia's macro context of a route, plus what the framework grants its handler. */
type WithGrant<Context, Rule, Options> = {
	response: Context extends { response: infer Response extends PossibleResponse } ? Response : {}
	return: (Context extends { return: infer Return extends PossibleResponse } ? Return : {}) &
		RefusalStatuses
	resolve: (Context extends { resolve: infer Resolved } ? Resolved : {}) & Granted<Rule, Options>
}

/** Elysia's class parameters, bundled, so that each overload names them once. */
interface App<
	BasePath extends string = string,
	Singleton extends SingletonBase = SingletonBase,
	Definitions extends DefinitionBase = DefinitionBase,
	Metadata extends MetadataBase = MetadataBase,
	Routes extends RouteBase = RouteBase,
	Ephemeral extends EphemeralType = EphemeralType,
	Volatile extends EphemeralType = EphemeralType
> {
	base: BasePath
	singleton: Singleton
	definitions: Definitions
	metadata: Metadata
	routes: Routes
	ephemeral: Ephemeral
	volatile: Volatile
}

/** The schema Elysia infers for a route (its own computation, unchanged). */
type RouteSchemaOf<
	A extends App,
	Path extends string,
	Input extends InputSchema<keyof A['definitions']['typebox'] & string>
> = IntersectIfObjectSchema<
	MergeSchema<
		UnwrapRoute<Input, A['definitions']['typebox'], JoinPath<A['base'], Path>>,
		MergeSchema<A['volatile']['schema'], MergeSchema<A['ephemeral']['schema'], A['metadata']['schema']>>
	>,
	A['metadata']['standaloneSchema'] & A['ephemeral']['standaloneSchema'] & A['volatile']['standaloneSchema']
>

/** What a handler's context is made of besides the route's schema (Elysia's own computation). */
type DecoratorOf<A extends App> = A['singleton'] & {
	derive: A['ephemeral']['derive'] & A['volatile']['derive']
	resolve: A['ephemeral']['resolve'] & A['volatile']['resolve']
}

/** Elysia's macro context of a route, plus what the framework grants its handler. */
type ContextOf<A extends App, Input, Rule> = WithGrant<
	{} extends A['metadata']['macroFn']
		? {}
		: Omit<Input, NonResolvableMacroKey> extends infer Selected extends BaseMacro
			? MacroToContext<A['metadata']['macroFn'], Selected, A['definitions']['typebox']>
			: {},
	Rule,
	Input
>

/** A route's options, as Elysia types them, with the `authz` rule they declare. */
type HookOf<
	A extends App,
	Input extends A['metadata']['macro'] & InputSchema<keyof A['definitions']['typebox'] & string>,
	Schema extends RouteSchema,
	Context extends {
		response: PossibleResponse
		return: PossibleResponse
		resolve: Record<string, unknown>
	},
	Decorator extends SingletonBase,
	Rule
> = LocalHook<
	Input,
	Schema & Context,
	Decorator,
	A['definitions']['error'],
	keyof A['metadata']['parser']
> & { authz: Rule }

/** The application after a route is added (Elysia's own result type, for Eden and chaining). */
type WithRoute<
	Method extends string,
	A extends App,
	Path extends string,
	Schema,
	Context extends { return: unknown },
	Handle
> = import('elysia').Elysia<
	A['base'],
	A['singleton'],
	A['definitions'],
	A['metadata'],
	A['routes'] &
		CreateEden<
			JoinPath<A['base'], Path>,
			{
				[method in Method]: CreateEdenResponse<
					Path,
					Schema & {},
					Context & {},
					ComposeElysiaResponse<
						Schema &
							Context &
							A['metadata']['standaloneSchema'] &
							A['ephemeral']['standaloneSchema'] &
							A['volatile']['standaloneSchema'],
						Handle,
						UnionResponseStatus<
							A['metadata']['response'],
							UnionResponseStatus<
								A['ephemeral']['response'],
								UnionResponseStatus<A['volatile']['response'], Context['return'] & {}>
							>
						>
					>
				>
			}
		>,
	A['ephemeral'],
	A['volatile']
>

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
			const Input extends DeclaredInput<Metadata, Definitions>,
			const Schema extends RouteSchemaOf<A, Path, Input>,
			const Decorator extends DecoratorOf<A>,
			const Rule extends AuthzRule,
			const Context extends ContextOf<A, Input, Rule>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>,
			A extends App = App<BasePath, Singleton, Definitions, Metadata, Routes, Ephemeral, Volatile>
		>(
			path: Path,
			handler: Handle,
			hook: HookOf<NoInfer<A>, Input, Schema, Context, Decorator, Rule>
		): WithRoute<'get', A, Path, Schema, Context, Handle>
		post<
			const Path extends string,
			const Input extends DeclaredInput<Metadata, Definitions>,
			const Schema extends RouteSchemaOf<A, Path, Input>,
			const Decorator extends DecoratorOf<A>,
			const Rule extends AuthzRule,
			const Context extends ContextOf<A, Input, Rule>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>,
			A extends App = App<BasePath, Singleton, Definitions, Metadata, Routes, Ephemeral, Volatile>
		>(
			path: Path,
			handler: Handle,
			hook: HookOf<NoInfer<A>, Input, Schema, Context, Decorator, Rule>
		): WithRoute<'post', A, Path, Schema, Context, Handle>
		put<
			const Path extends string,
			const Input extends DeclaredInput<Metadata, Definitions>,
			const Schema extends RouteSchemaOf<A, Path, Input>,
			const Decorator extends DecoratorOf<A>,
			const Rule extends AuthzRule,
			const Context extends ContextOf<A, Input, Rule>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>,
			A extends App = App<BasePath, Singleton, Definitions, Metadata, Routes, Ephemeral, Volatile>
		>(
			path: Path,
			handler: Handle,
			hook: HookOf<NoInfer<A>, Input, Schema, Context, Decorator, Rule>
		): WithRoute<'put', A, Path, Schema, Context, Handle>
		patch<
			const Path extends string,
			const Input extends DeclaredInput<Metadata, Definitions>,
			const Schema extends RouteSchemaOf<A, Path, Input>,
			const Decorator extends DecoratorOf<A>,
			const Rule extends AuthzRule,
			const Context extends ContextOf<A, Input, Rule>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>,
			A extends App = App<BasePath, Singleton, Definitions, Metadata, Routes, Ephemeral, Volatile>
		>(
			path: Path,
			handler: Handle,
			hook: HookOf<NoInfer<A>, Input, Schema, Context, Decorator, Rule>
		): WithRoute<'patch', A, Path, Schema, Context, Handle>
		delete<
			const Path extends string,
			const Input extends DeclaredInput<Metadata, Definitions>,
			const Schema extends RouteSchemaOf<A, Path, Input>,
			const Decorator extends DecoratorOf<A>,
			const Rule extends AuthzRule,
			const Context extends ContextOf<A, Input, Rule>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>,
			A extends App = App<BasePath, Singleton, Definitions, Metadata, Routes, Ephemeral, Volatile>
		>(
			path: Path,
			handler: Handle,
			hook: HookOf<NoInfer<A>, Input, Schema, Context, Decorator, Rule>
		): WithRoute<'delete', A, Path, Schema, Context, Handle>
		options<
			const Path extends string,
			const Input extends DeclaredInput<Metadata, Definitions>,
			const Schema extends RouteSchemaOf<A, Path, Input>,
			const Decorator extends DecoratorOf<A>,
			const Rule extends AuthzRule,
			const Context extends ContextOf<A, Input, Rule>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>,
			A extends App = App<BasePath, Singleton, Definitions, Metadata, Routes, Ephemeral, Volatile>
		>(
			path: Path,
			handler: Handle,
			hook: HookOf<NoInfer<A>, Input, Schema, Context, Decorator, Rule>
		): WithRoute<'options', A, Path, Schema, Context, Handle>
		head<
			const Path extends string,
			const Input extends DeclaredInput<Metadata, Definitions>,
			const Schema extends RouteSchemaOf<A, Path, Input>,
			const Decorator extends DecoratorOf<A>,
			const Rule extends AuthzRule,
			const Context extends ContextOf<A, Input, Rule>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>,
			A extends App = App<BasePath, Singleton, Definitions, Metadata, Routes, Ephemeral, Volatile>
		>(
			path: Path,
			handler: Handle,
			hook: HookOf<NoInfer<A>, Input, Schema, Context, Decorator, Rule>
		): WithRoute<'head', A, Path, Schema, Context, Handle>
		all<
			const Path extends string,
			const Input extends DeclaredInput<Metadata, Definitions>,
			const Schema extends RouteSchemaOf<A, Path, Input>,
			const Decorator extends DecoratorOf<A>,
			const Rule extends AuthzRule,
			const Context extends ContextOf<A, Input, Rule>,
			const Handle extends InlineHandler<NoInfer<Schema>, NoInfer<Decorator>, Context>,
			A extends App = App<BasePath, Singleton, Definitions, Metadata, Routes, Ephemeral, Volatile>
		>(
			path: Path,
			handler: Handle,
			hook: HookOf<NoInfer<A>, Input, Schema, Context, Decorator, Rule>
		): WithRoute<'all', A, Path, Schema, Context, Handle>
	}
}
