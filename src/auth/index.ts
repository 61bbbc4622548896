/**
 * Simple auth for Elysia: FlaskSimpleAuth's declarative authentication and authorization.
 * @module
 */
export {
	SimpleAuth,
	checkPath,
	type TokenOptions,
	type SimpleAuthOptions,
	type GetUserPass,
	type GroupCheck,
	type UserInGroup,
	type ObjectPermission,
	type PasswordQuality,
	type PasswordCheck,
	type AuthenticationScheme,
	type AuthnInput,
	type BeforeRequest,
	type AfterRequest,
	type BeforeExec,
	type HeaderValue,
	type PathCheck,
	type UserVersion,
	type RequestRecord,
	type RequestLog
} from './core'
export { simpleAuth, checkRoutes, RequestState } from './plugin'
export { ErrorResponse, ConfigError, err } from './errors'
export {
	DIRECTIVES,
	parseSettings,
	loadConfigFile,
	type Settings,
	type RawConfig,
	type Scheme,
	type BuiltinScheme
} from './config'
export {
	JsonData,
	Special,
	CurrentUser,
	Cookie,
	Header,
	CurrentRequest,
	CurrentToken,
	Cast,
	type CastFunction,
	type SpecialFunction,
	type SpecialContext
} from './params'
export type { AuthzRule, PermissionRule } from './authz'
export { simplifyRealm } from './tokens'
export { setClientAddress, isLoopback } from './client'
export { randomSecret } from './secrets'
export type { Granted, UserOf, ArgsOf, SimpleAuthPlugin, RouteMacros } from './http/route-types'
export { openapiDocument, type OpenApiDocument, type OpenApiInfo } from './openapi'
