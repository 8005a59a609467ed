#!/usr/bin/env bash
# The whole test suite: tools, lint, typecheck, schema drift, unit and integration tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-tools.sh
npx eslint .
npx prettier --check .
npx tsc --noEmit -p .
npx tsx scripts/gen-schema.ts --check
# one node --test run, so that CI reads a single summary line
node --import tsx --test --test-concurrency=1 --test-timeout=600000 \
  'test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/e2e/**/*.test.ts'
