#!/usr/bin/env node
// The installed package runs the compiled CLI (dist/). A repository checkout, which has the
// TypeScript sources and tsx, runs the sources instead, so it never runs a stale build.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function tsxHook() {
  try {
    return require.resolve('tsx/cjs', { paths: [root] });
  } catch {
    return undefined;
  }
}

function loadMain() {
  const source = path.join(root, 'src', 'cli', 'main.ts');
  const hook = fs.existsSync(source) ? tsxHook() : undefined;
  if (hook) {
    require(hook);
    return require(source).main;
  }
  return require('../dist/cli/main.js').main;
}

loadMain()(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
