#!/usr/bin/env node
// Launcher for the local sandbox. The sandbox itself is TypeScript, bundled by `npm run build` into
// dist/sandbox/cli.js; this file only loads it and reports a failed command.
'use strict';

const fs = require('fs');
const path = require('path');

const cli = path.join(__dirname, '..', 'dist', 'sandbox', 'cli.js');

if (!fs.existsSync(cli)) {
  console.error('The sandbox is not built: run npm run build (or npm start)');
  process.exit(1);
}

Promise.resolve()
  .then(() => require(cli).main(process.argv.slice(2)))
  .catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
