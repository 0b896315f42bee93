// Renders a setlpp trace (the Chrome trace-event JSON of `--profile FILE`) in speedscope,
// an offline trace viewer, inside headless Chromium and saves a PNG of it. Used for the
// README's picture; run through scripts/trace-screenshot.sh.
//
//   node trace_screenshot.mjs SPEEDSCOPE_DIR TRACE.json OUT.png [WIDTH HEIGHT]
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const [viewerDir, tracePath, outPath, width = '1400', height = '290'] = process.argv.slice(2);
if (!viewerDir || !tracePath || !outPath) {
  console.error('usage: trace_screenshot.mjs SPEEDSCOPE_DIR TRACE.json OUT.png [WIDTH HEIGHT]');
  process.exit(2);
}
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css',
                '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
                '.woff2': 'font/woff2', '.ico': 'image/x-icon' };

// speedscope prints a span's arguments into its name (a query's carry its whole plan):
// the picture shows names only.
const trace = JSON.parse(await readFile(tracePath, 'utf8'));
for (const event of trace.traceEvents) if (event.ph === 'X') delete event.args;
const traceBytes = Buffer.from(JSON.stringify(trace));

// Serves the viewer and, at /trace.json, the trace: loopback only, for this run only.
const server = createServer(async (request, response) => {
  const path = new URL(request.url, 'http://localhost').pathname;
  try {
    if (path === '/trace.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(traceBytes);
      return;
    }
    const file = join(viewerDir, normalize(path === '/' ? '/index.html' : path));
    if (!file.startsWith(viewerDir)) throw new Error('outside');
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    response.end(await readFile(file));
  } catch {
    response.writeHead(404);
    response.end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
  await page.goto(`http://127.0.0.1:${port}/index.html#profileURL=/trace.json&title=setlpp%20run`);
  await page.waitForSelector('canvas', { timeout: 30000 });
  await page.waitForTimeout(1500);  // the flame chart draws after the profile is parsed
  await page.screenshot({ path: outPath });
} finally {
  await browser.close();
  server.close();
}
