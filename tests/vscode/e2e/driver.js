'use strict';
// Drives VS Code (code-server) in headless Chromium for tests/vscode/test_e2e.py.
//
//   node driver.js <playwright-core dir> <chromium> <artifacts dir> <chromium flags as JSON>
//
// Reads one JSON request per line on stdin — {"id": 1, "op": "openContainer", "args": ["DevReliab"]} — calls the
// Workbench method of that name and answers one JSON line on stdout: {"id": 1, "ok": true, "result": …} or
// {"id": 1, "ok": false, "error": "…", "screenshot": "<file>"}. The browser's console errors go to
// <artifacts>/browser-console.log. The browser closes when stdin closes.

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { Workbench } = require('./workbench');

async function main() {
  const [pwDir, chromiumPath, artifacts, flagsJson] = process.argv.slice(2);
  const { chromium } = require(pwDir);
  fs.mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: JSON.parse(flagsJson), headless: true });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const consoleLog = fs.createWriteStream(path.join(artifacts, 'browser-console.log'));
  page.on('console', (msg) => { if (msg.type() === 'error') consoleLog.write(`${msg.text()}\n`); });
  page.on('pageerror', (err) => consoleLog.write(`pageerror: ${err.message}\n`));
  const wb = new Workbench(page, artifacts);
  let failures = 0;

  const send = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  send({ id: 0, ok: true, result: 'ready' });

  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const { id, op, args = [] } = JSON.parse(line);
    try {
      if (typeof wb[op] !== 'function' || op.startsWith('_') || op === 'constructor') throw new Error(`unknown op ${op}`);
      const result = await wb[op](...args);
      send({ id, ok: true, result: result === undefined ? null : result });
    } catch (err) {
      let shot = null;
      try {
        shot = await wb.screenshot(`failure-${++failures}-${op}`);
      } catch (_) { /* the page may be gone */ }
      send({ id, ok: false, error: String(err && err.stack || err), screenshot: shot });
    }
  }
  consoleLog.end();
  await browser.close();
}

main().catch((err) => {
  process.stderr.write(`driver failed: ${err && err.stack || err}\n`);
  process.exit(1);
});
