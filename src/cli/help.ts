/**
 * What `acme --help` and `acme COMMAND --help` print, and what a usage error shows after its
 * message: the usage of every command.
 */
const COMMON = `  --config FILE       TOML configuration of FSA_* directives (env ACME_CONFIG)
  --db DB             SQLite file, :memory:, or postgres:// URL (env ACME_DB, default acme.db)
  -h, --help          show this help`

export const HELP: Record<string, string> = {
	main: `usage: acme [COMMAND] [OPTIONS]

commands:
  serve                              run the service (the default)
  user add LOGIN --email EMAIL [--admin]   add a user; the password is read from stdin
  user list                          list users and their admin flag
  user passwd LOGIN                  change a password read from stdin
  user delete LOGIN                  delete a user and their stuff
  user admin LOGIN on|off            grant or revoke the admin group
  user otp LOGIN [--off]             turn a second factor on (URI, QR code, backup codes) or off
  token create LOGIN [--delay MIN]   print a token for a user
  key create LOGIN [--scope NAME]... [--days N] [--rate N]   print a new API key
  key list [LOGIN]                   list API keys (never the keys)
  key revoke ID                      revoke an API key
  config check [FILE]                check a configuration file
  routes [--json]                    print every route with its authz, authn, realm and parameters

serve options:
  --port N            TCP port (env PORT, default 5000)
  --host H            address to listen on (default 0.0.0.0)
  --transport T       bun (default; GET bodies are refused) or node (keeps GET bodies)

options:
${COMMON}
  -v, --version       show the version

environment:
  ACME_PASS           password of the admin user acme, created at start when absent

Run "acme COMMAND --help" for the options of a command.`,
	serve: `usage: acme [serve] [--port N] [--host H] [--config FILE] [--db FILE] [--transport bun|node]

Runs the Acme service.

options:
  --port N            TCP port (env PORT, default 5000)
  --host H            address to listen on (default 0.0.0.0)
  --transport T       bun (default; GET bodies are refused) or node (keeps GET bodies)
${COMMON}

environment:
  ACME_PASS           password of the admin user acme, created at start when absent
  ACME_DB_POOL        PostgreSQL connections of this instance (default 10)`,
	user: `usage: acme user add LOGIN --email EMAIL [--admin] | list | passwd LOGIN | delete LOGIN | admin LOGIN on|off | otp LOGIN [--off]

Manages users; passwords are read from stdin (one line) and follow the configured rules.
user otp prints the otpauth:// URI, a QR code of it, then 10 one-time backup codes.

options:
  --email EMAIL       email of a new user
  --admin             make the new user an admin
  --off               user otp: turn the second factor off (a lost device); ends the user's tokens
${COMMON}`,
	token: `usage: acme token create LOGIN [--delay MINUTES]

Prints a token for LOGIN, accepted by a service running with the same configuration.

options:
  --delay MINUTES     lifetime (default FSA_TOKEN_DELAY)
${COMMON}`,
	key: `usage: acme key create LOGIN [--scope NAME]... [--days N] [--rate N] | list [LOGIN] | revoke ID

Manages API keys. key create prints the key alone on the first line: it is shown once, and
stored only as a hash. key list prints id, login, scopes, creation, expiry and last use.

options:
  --scope NAME        a group the key holds, among its user's (admin); repeat for more
  --days N            days until the key expires (default: never)
  --rate N            most requests a minute (default: no limit)
${COMMON}`,
	config: `usage: acme config check [FILE]

Checks a configuration file (FILE, --config or ACME_CONFIG) and names the bad directive.

options:
${COMMON}`,
	routes: `usage: acme routes [--json] [--config FILE]

Prints every route of the service under a configuration (FILE, --config or ACME_CONFIG): its
method, path, authorization, schemes tried (the route's authn or FSA_AUTH_DEFAULT), realm and
parameters, one route a line, or as a JSON array with --json. Reads no database.

options:
  --json              print a JSON array of routes
  --config FILE       TOML configuration of FSA_* directives (env ACME_CONFIG)
  -h, --help          show this help`
}
