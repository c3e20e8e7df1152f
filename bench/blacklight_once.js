// Time one Blacklight collection of a single page (no subpages), for bench_web.py.
// Usage: node blacklight_once.js URL PORT CHROMIUM  (run with NODE_PATH pointing at a
// node_modules folder where `npm install @themarkup/blacklight-collector` was done).
const { collect } = require("@themarkup/blacklight-collector");
const os = require("os");
const path = require("path");
const fs = require("fs");

async function main() {
  const [url, port, chromium] = process.argv.slice(2);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "bl-"));
  const started = process.hrtime.bigint();
  await collect(url, {
    outDir,
    numPages: 0,
    headless: true,
    quiet: true,
    captureHar: false,
    saveScreenshots: false,
    puppeteerExecutablePath: chromium,
    extraChromiumArgs: [
      "--no-sandbox",
      `--host-resolver-rules=MAP * 127.0.0.1:${port}`,
      "--disable-background-networking",
      "--disable-component-update",
    ],
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  fs.rmSync(outDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ ms }) + "\n");
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(1);
});
