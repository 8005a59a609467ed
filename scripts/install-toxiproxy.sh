#!/usr/bin/env bash
# Builds Toxiproxy (the peer the proxy bench compares against) into .tools/toxiproxy/ from
# the Go module proxy, pinned. Only the bench uses it; tests and the agent never do.
# Prints the server binary's path as its last line, so that:
#   npm run -s bench -- proxy --peer-toxiproxy "$(bash scripts/install-toxiproxy.sh | tail -1)"
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOXIPROXY_MODULE="github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0"
BIN_DIR="$ROOT/.tools/toxiproxy"
BINARY="$BIN_DIR/server"   # the module names its command "server"

if [[ -x "$BINARY" ]] && "$BINARY" -version >/dev/null 2>&1; then
  echo "$BINARY"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "foreshock install-toxiproxy: cannot build Toxiproxy" >&2
  echo "  why: no 'go' on PATH (Go 1.19 or newer builds it from the module proxy)" >&2
  echo "  by hand: GOBIN=$BIN_DIR go install $TOXIPROXY_MODULE" >&2
  exit 1
fi
mkdir -p "$BIN_DIR"
GOBIN="$BIN_DIR" go install "$TOXIPROXY_MODULE" >&2
echo "$BINARY"
