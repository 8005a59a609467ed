#!/usr/bin/env bash
# The whole test suite: tools, lint, typecheck, schema drift, unit and integration tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-tools.sh
npx eslint .
npx prettier --check .
npx tsc --noEmit -p .
npx tsx scripts/gen-schema.ts --check
# one node --test run, so that CI reads a single summary line (node 20 does not expand globs)
mapfile -t files < <(for dir in test/unit test/integration test/e2e; do
  [[ -d "$dir" ]] && find "$dir" -name '*.test.ts' | sort
done)
node --import tsx --test --test-concurrency=1 --test-timeout=600000 "${files[@]}"
