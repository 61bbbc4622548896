#!/usr/bin/env bash
# Smoke test of the compiled service: start it on a free port, call /hello and /hello-me
# with basic and with a token, stop it.
set -euo pipefail
binary=${1:-dist/acme}
work=$(mktemp -d)
port=$(bun -e 'const s = Bun.serve({ port: 0, fetch: () => new Response() }); console.log(s.port); s.stop(true)')
password='Smoke-Pass-1'
ACME_PASS=$password ACME_DB="$work/acme.db" "$binary" --port "$port" --host 127.0.0.1 >"$work/log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
	curl -sf "http://127.0.0.1:$port/hello" >/dev/null 2>&1 && break
	sleep 0.1
done
expect() { # expect STATUS CURL-ARGS...
	local want=$1
	shift
	local got
	got=$(curl -s -o /dev/null -w '%{http_code}' "$@")
	if [ "$got" != "$want" ]; then
		echo "smoke: expected $want, got $got for curl $*"
		cat "$work/log"
		exit 1
	fi
	echo "smoke: $want curl $*"
}
base="http://127.0.0.1:$port"
expect 200 "$base/hello"
expect 401 "$base/hello-me"
expect 200 -u "acme:$password" "$base/hello-me"
token=$(curl -sf -u "acme:$password" "$base/token" | bun -e 'console.log(JSON.parse(await Bun.stdin.text()).token)')
expect 200 -H "Authorization: Bearer $token" "$base/hello-me"
expect 401 -H "Authorization: Bearer ${token}x" "$base/hello-me"
kill -TERM "$pid"
wait "$pid"
echo "smoke: stopped cleanly"
