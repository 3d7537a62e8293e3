#!/usr/bin/env bash
# Generated bad input: schemathesis against /api/openapi.json of a server with the demo data,
# as an administrator (every operation reachable). Fails on any 5xx answer or any answer that
# breaks the documented schema.
#   scripts/fuzz-api.sh [EXAMPLES_PER_OPERATION]       (default 25: about 1,500 cases)
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-25}
VENV=target/fuzz-venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi
cargo build -q -p factoria
BIN=target/debug/factoria
WORK=$(mktemp -d)
# The fuzzer sends thousands of requests from one address: no per-client search limit.
export FACTORIA_DATA_DIR=$WORK FACTORIA_LOG=warn FACTORIA_SEARCH_RATE_PER_MINUTE=0
"$BIN" demo --no-serve >/dev/null 2>&1
TOKEN=$("$BIN" admin create-token --email admin@factoria.example --name fuzz | awk '{print $NF}' | tail -n 1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --bind "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
# Two passes with one token. The first leaves out what would take the token's powers away part
# way through (revoking a token, removing the administrator role); the second fuzzes exactly
# those. Erasing the administrator's own account (DELETE /api/v1/me) and logging out are left to
# their tests. Operations are named "METHOD /path".
fuzz() {
  "$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/api/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-examples "$EXAMPLES" --seed 20261129 --workers 1 \
    --report junit --report-dir target/fuzz-report "$@"
}
fuzz --exclude-name-regex '^DELETE /api/v1/me$|^POST /api/v1/auth/logout$|/api/v1/me/tokens/|/administrator$'
fuzz --include-name-regex '/api/v1/me/tokens/|/administrator$'
echo "server errors logged: $(grep -c ' ERROR ' "$WORK/serve.log" || true)"
