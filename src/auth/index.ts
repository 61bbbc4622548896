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
	type SecondFactor,
	type AuthenticationScheme,
	type AuthnInput,
	type BeforeRequest,
	type AfterRequest,
	type BeforeExec,
	type HeaderValue,
	type PathCheck,
	type UserVersion,
	type ApiKeyRecord,
	type ApiKeyLookup,
	type ApiKeyUsed,
	type RequestRecord,
	type RequestLog
} from './simple-auth'
export type { HookRegistration } from './registration'
export type { AuthOperations } from './operations'
export { simpleAuth, checkRoutes, RequestState } from './http/plugin'
export { ErrorResponse, ConfigError, err } from './errors'
export {
	DIRECTIVES,
	parseSettings,
	loadConfigFile,
	type Settings,
	type RawConfig,
	type Scheme,
	type BuiltinScheme,
	type DirectiveName
} from './config/settings'
export type { Directive } from './config/directives/directive'
export {
	JsonData,
	Special,
	CurrentUser,
	Cookie,
	Header,
	CurrentRequest,
	CurrentToken,
	ClientAddress,
	Cast,
	type CastFunction,
	type SpecialFunction,
	type SpecialContext
} from './params/args'
export type { AuthzRule, PermissionRule } from './authz/rules'
export { pathOf } from './http/paths'
export { simplifyRealm } from './tokens/tokens'
export { setClientAddress, isLoopback } from './http/client'
export { randomSecret } from './tokens/secrets'
export { hashApiKey, isApiKeyId, type NewApiKey } from './authn/apikey'
export {
	OTP_DEFAULTS,
	matchOtp,
	otpauthUri,
	randomOtpSecret,
	totp,
	verifyOtp,
	type OtpDigest,
	type OtpOptions
} from './authn/otp'
export type { Granted, UserOf, ArgsOf, SimpleAuthPlugin, RouteMacros } from './http/handler-types'
export { openapiDocument, type OpenApiDocument, type OpenApiInfo } from './http/openapi'
export {
	routeTable,
	formatRouteTable,
	formatParameters,
	type RouteRow,
	type RouteParameter,
	type ParameterSource
} from './http/route-table'
export type { OpenApiOptions, OpenApiServer } from './http/openapi'
export { withDeadline, DeadlineExceeded, serverAddress } from './deadline'
