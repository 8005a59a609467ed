#!/usr/bin/env bash
# Builds the official Temporal server and its SQL schema tool from the Go module proxy into
# .tools/temporal-server/bin, for the multi-node cluster tests (src/testing/cluster.ts).
# Idempotent: when both binaries exist and report the pinned version it does nothing.
# Prints the path of the schema folder (schema/postgresql/v12) on its last line.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
DEST="$ROOT/.tools/temporal-server"
BIN="$DEST/bin"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"

fail() {
  echo "foreshock install-temporal-server: $1" >&2
  echo "  by hand: GOBIN=$BIN go install go.temporal.io/server/cmd/server@$VERSION go.temporal.io/server/cmd/tools/sql@$VERSION" >&2
  exit 1
}

[[ -x "$GO" ]] || fail "no 'go' toolchain (looked on PATH and at /usr/local/go/bin/go)"
mkdir -p "$BIN"

if [[ ! -x "$BIN/temporal-server" || ! -x "$BIN/temporal-sql-tool" || "$(cat "$DEST/version" 2>/dev/null)" != "$VERSION" ]]; then
  echo "building temporal server $VERSION (a few minutes the first time, cached after)" >&2
  GOBIN="$BIN" GOFLAGS=-buildvcs=false timeout 3600 "$GO" install \
    "go.temporal.io/server/cmd/server@$VERSION" "go.temporal.io/server/cmd/tools/sql@$VERSION" >&2 ||
    fail "go install failed"
  mv -f "$BIN/server" "$BIN/temporal-server"
  mv -f "$BIN/sql" "$BIN/temporal-sql-tool"
  echo "$VERSION" >"$DEST/version"
fi

MODDIR="$("$GO" env GOMODCACHE)/go.temporal.io/server@$VERSION"
[[ -d "$MODDIR/schema/postgresql/v12" ]] ||
  GOFLAGS=-mod=mod "$GO" mod download -x "go.temporal.io/server@$VERSION" >/dev/null 2>&1 || true
[[ -d "$MODDIR/schema/postgresql/v12" ]] || fail "schema folder missing in $MODDIR"
echo "$MODDIR"
