#!/usr/bin/env bash
# Installs the demo's target stack and the report test's browser from Debian: nginx,
# PostgreSQL 15, the Prometheus exporters and chromium. Idempotent; a second run only checks.
# The packages' own services are never used: the demo starts private instances on free
# loopback ports (and stops the system ones the packages may have started on install only
# if this script itself installed them, so nothing keeps a port the demo might want).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS"

fail() {
  echo "foreshock install-demo-tools: cannot provide $1" >&2
  echo "  why: $2" >&2
  echo "  by hand: $3" >&2
  exit 1
}

pg_bin_dir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" && -x "$dir/postgres" ]] && { echo "$dir"; return; }
  done
  return 0
}

missing=()
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
[[ -n "$(pg_bin_dir)" ]] || missing+=(postgresql)
command -v prometheus-node-exporter >/dev/null 2>&1 || missing+=(prometheus-node-exporter)
command -v prometheus-postgres-exporter >/dev/null 2>&1 || missing+=(prometheus-postgres-exporter)
command -v prometheus-nginx-exporter >/dev/null 2>&1 || missing+=(prometheus-nginx-exporter)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v mtail >/dev/null 2>&1 || missing+=(mtail)  # PostgreSQL's log lines as metrics

if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    fail "${missing[*]}" "not installed and this is not a root Debian machine" "sudo apt-get install -y ${missing[*]}"
  fi
  echo "installing from Debian: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101 keeps the packages' own services from starting during the install
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  apt() { timeout 900 apt-get -o DPkg::Lock::Timeout=300 "$@"; }
  ok=0
  apt install -y -q --no-install-recommends "${missing[@]}" >"$TOOLS/apt-demo.log" 2>&1 ||
    { apt update -q >>"$TOOLS/apt-demo.log" 2>&1 && apt install -y -q --no-install-recommends "${missing[@]}" >>"$TOOLS/apt-demo.log" 2>&1; } ||
    ok=1
  [[ $own_policy == 1 ]] && rm -f "$policy"
  [[ $ok == 0 ]] || fail "${missing[*]}" "apt-get install failed (see .tools/apt-demo.log)" "apt-get update && apt-get install -y ${missing[*]}"
fi

PG_BIN="$(pg_bin_dir)"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -n "$PG_BIN" ]] || fail "PostgreSQL" "no initdb/postgres under /usr/lib/postgresql/*/bin" "apt-get install -y postgresql"
"$NGINX" -v >/dev/null 2>&1 || fail "nginx" "'$NGINX -v' does not run" "apt-get install -y nginx"

# PostgreSQL refuses to run as root: the demo runs its private cluster as this user.
DEMO_USER=foreshock-demo
if [[ "$(id -u)" == 0 ]] && ! id "$DEMO_USER" >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin "$DEMO_USER" ||
    fail "user $DEMO_USER" "useradd failed" "useradd --system $DEMO_USER"
fi

cat >"$TOOLS/demo-env.json.tmp" <<JSON
{"nginx": "$NGINX", "pgBin": "$PG_BIN", "nodeExporter": "$(command -v prometheus-node-exporter || true)", "postgresExporter": "$(command -v prometheus-postgres-exporter || true)", "nginxExporter": "$(command -v prometheus-nginx-exporter || true)", "chromium": "$(command -v chromium || true)", "mtail": "$(command -v mtail || true)", "demoUser": "$( [[ "$(id -u)" == 0 ]] && echo "$DEMO_USER" || true)"}
JSON
mv "$TOOLS/demo-env.json.tmp" "$TOOLS/demo-env.json"
echo "foreshock demo tools ready: $(cat "$TOOLS/demo-env.json")" >&2
