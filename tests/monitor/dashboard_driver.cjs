// Drives headless Chromium for tests/monitor/test_dashboard.py: one JSON command per line on stdin, one JSON
// answer per line on stdout. Usage: node dashboard_driver.cjs PLAYWRIGHT_CORE_DIR CHROMIUM FLAGS_JSON
//
// Commands: {"cmd": "open", "url", "timeout_ms"}  load the page, wait until it received a first snapshot
//           {"cmd": "wait", "js", "timeout_ms"}   wait until the expression is truthy; answers its value and ms
//           {"cmd": "eval", "js"}                 the expression's value
//           {"cmd": "screenshot", "path"}         a full-page PNG
//           {"cmd": "errors"}                     console errors, page errors and failed requests so far
//           {"cmd": "close"}
"use strict";

const readline = require("node:readline");

const [playwrightDir, chromiumPath, flagsJson] = process.argv.slice(2);
const { chromium } = require(playwrightDir);

let browser = null;
let page = null;
const problems = [];

function answer(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

async function open(cmd) {
  browser = await chromium.launch({ executablePath: chromiumPath, args: JSON.parse(flagsJson), headless: true });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: cmd.scheme || "light" });
  page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`requestfailed: ${req.url()} ${req.failure() && req.failure().errorText}`));
  page.on("response", (res) => { if (res.status() >= 400) problems.push(`http ${res.status()}: ${res.url()}`); });
  const started = Date.now();
  await page.goto(cmd.url, { waitUntil: "load", timeout: cmd.timeout_ms });
  await page.waitForFunction(() => document.body.dataset.state === "live" && Number(document.body.dataset.updates) > 0,
    null, { timeout: Math.max(1, cmd.timeout_ms - (Date.now() - started)), polling: 50 });
  return { transport: await page.evaluate(() => document.body.dataset.transport), ms: Date.now() - started };
}

async function handle(cmd) {
  switch (cmd.cmd) {
    case "open":
      return open(cmd);
    case "wait": {
      // Polled from here with page.evaluate: the page's Content-Security-Policy forbids the string evaluation
      // that page.waitForFunction would do inside it (and the test must see the page under its real CSP).
      const started = Date.now();
      for (;;) {
        const value = await page.evaluate(cmd.js);
        if (value) return { value, ms: Date.now() - started };
        if (Date.now() - started > cmd.timeout_ms) throw new Error(`timed out after ${cmd.timeout_ms} ms: ${cmd.js}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    case "eval":
      return { value: await page.evaluate(cmd.js) };
    case "screenshot":
      await page.screenshot({ path: cmd.path, fullPage: true });
      return { path: cmd.path };
    case "errors":
      return { problems };
    case "close":
      if (browser) await browser.close();
      browser = null;
      return {};
    default:
      throw new Error(`unknown command ${cmd.cmd}`);
  }
}

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
  queue = queue.then(async () => {
    let cmd = null;
    try {
      cmd = JSON.parse(line);
      answer({ ok: true, ...(await handle(cmd)) });
    } catch (err) {
      answer({ ok: false, error: String(err && err.stack ? err.stack : err) });
    }
    if (cmd && cmd.cmd === "close") process.exit(0);
  });
});
lines.on("close", () => {
  queue.then(async () => { if (browser) await browser.close(); process.exit(0); });
});
