#!/usr/bin/env bash
# Installs everything baton's tests need on a bare machine of this kind (Debian + Node >= 20):
# the PostgreSQL server (tests start their own throwaway instances with initdb + pg_ctl),
# jq (the seed-001 interop test follows the lock protocol by hand in bash), Chromium (the
# dashboard's browser tests drive Debian's /usr/bin/chromium with playwright-core), and the
# npm packages (better-sqlite3 builds from source here). Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  missing+=(postgresql)
fi
command -v jq >/dev/null 2>&1 || missing+=(jq)
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "setup: need ${missing[*]} but cannot apt-get install without root; install them and rerun" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "setup: installing ${missing[*]} with apt-get"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# `npm install` follows the lock file; its `prepare` script builds dist/. (Not `npm ci`: npm 11
# with omit-lockfile-registry-resolved, as set on these machines, reports rollup's optional
# platform packages "missing" from any lock file, even a freshly generated one, and refuses.)
npm install --no-audit --no-fund
