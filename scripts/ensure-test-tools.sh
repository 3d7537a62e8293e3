#!/usr/bin/env bash
# Tools the end-to-end tests drive: a Python virtual environment with an SMTP server (aiosmtpd)
# and an independent DKIM verifier (dkimpy) in target/test-tools/venv.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=target/test-tools
mkdir -p "$TOOLS"
if [ ! -x "$TOOLS/venv/bin/python" ] || ! "$TOOLS/venv/bin/python" -c 'import aiosmtpd, dkim' 2>/dev/null; then
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==1.4.6" "dkimpy==1.1.8"
fi
