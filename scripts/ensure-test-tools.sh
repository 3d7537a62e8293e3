#!/usr/bin/env bash
# Tools the end-to-end tests drive:
# - a Python virtual environment with an SMTP server (aiosmtpd), an independent DKIM verifier
#   (dkimpy), and the API's checkers (openapi-spec-validator, and openapi-python-client with ruff,
#   which it runs on what it generates) a Prometheus text parser (prometheus-client) the OCDS data review library
#   (libcoveocds), a feed parser (feedparser) and an S3-compatible server (moto) in
#   target/test-tools/venv;
# - for the browser journeys: Node with playwright-core, axe-core and the Nu HTML checker
#   (tests/browser/node_modules), Debian's Chromium, and Java to run the checker.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

TOOLS=target/test-tools
mkdir -p "$TOOLS"
PYTHON_TOOLS=("aiosmtpd==1.4.6" "dkimpy==1.1.8" "openapi-spec-validator==0.9.0" "openapi-python-client==0.29.1" "ruff==0.17.6" "prometheus-client==0.26.0" "libcoveocds==0.17.0" "feedparser==6.0.14" "moto[server]==5.1.18")
if [ ! -x "$TOOLS/venv/bin/python" ] || ! "$TOOLS/venv/bin/pip" freeze 2>/dev/null | grep -qx "openapi-python-client==0.29.1" \
  || ! "$TOOLS/venv/bin/python" -c 'import aiosmtpd, dkim, openapi_spec_validator, prometheus_client, libcoveocds, feedparser, moto.server' 2>/dev/null; then
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "${PYTHON_TOOLS[@]}"
fi

packages=()
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
command -v java >/dev/null || packages+=(default-jre-headless)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || packages+=(chromium)
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing ${packages[*]} from Debian's packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi
# --ignore-scripts: the Nu checker's install script downloads a Java runtime; Debian's is used.
if [ ! -d tests/browser/node_modules/playwright-core ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error
fi
