#!/usr/bin/env node
// foreshock ships TypeScript sources; tsx compiles them on load.
require('tsx/cjs');
const { main } = require('../src/cli/main.ts');
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
