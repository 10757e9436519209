#!/usr/bin/env bash
# Install everything the tests need and run every test.
# As root on Debian it also installs the PostgreSQL server, Chromium and HAProxy the tests start;
# elsewhere those tests are skipped with a message saying what to install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    need=()
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    [ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
    if [ ${#need[@]} -gt 0 ]; then
        echo "Installing Debian packages: ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
fi
source scripts/setup.sh requirements-dev.txt
if [ -f package.json ] && command -v npm >/dev/null 2>&1; then
    npm ci --silent --no-audit --no-fund >/dev/null
fi
# The code's own rules first (seconds): lint (pyproject.toml [tool.ruff]) and the one-way imports
# between the packages ([tool.importlinter], docs/development.md).
.venv/bin/ruff check --quiet .
contracts=$(.venv/bin/lint-imports --no-cache --no-logo) || { echo "$contracts"; exit 1; }
echo "$contracts" | grep "^Contracts:"
exec .venv/bin/python -m pytest "$@"
