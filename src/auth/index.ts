/**
 * Simple auth for Elysia: FlaskSimpleAuth's declarative authentication and authorization.
 * @module
 */
export {
	SimpleAuth,
	type SimpleAuthOptions,
	type GetUserPass,
	type GroupCheck,
	type UserInGroup,
	type ObjectPermission
} from './core'
export { simpleAuth, checkRoutes, RequestState } from './plugin'
export { ErrorResponse, ConfigError, err } from './errors'
export {
	DIRECTIVES,
	parseSettings,
	loadConfigFile,
	type Settings,
	type RawConfig,
	type Scheme
} from './config'
export { JsonData } from './params'
export type { AuthzRule, PermissionRule } from './authz'
export { simplifyRealm } from './tokens'
