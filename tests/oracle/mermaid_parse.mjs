// Parses Mermaid files with Mermaid's own parser (test-only oracle, never linked into
// setlpp). Exits 1 if any file fails to parse, printing the parser's message.
import { JSDOM } from 'jsdom';
import fs from 'fs';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const result = await mermaid.parse(fs.readFileSync(file, 'utf8'));
    console.log(`parsed ${file} as ${result.diagramType}`);
  } catch (error) {
    failed++;
    console.log(`FAILED ${file}: ${error.message}`);
  }
}
// The oracle must reject broken input, or a pass above would mean nothing.
try {
  await mermaid.parse('flowchart LR\n  a[["x" --> ');
  console.log('FAILED: the parser accepted broken input');
  failed++;
} catch {
  console.log('broken input rejected as expected');
}
process.exit(failed ? 1 : 0);
