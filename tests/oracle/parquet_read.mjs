// Reads setlpp's Parquet files with hyparquet (an independent implementation) and compares
// every cell with expected.json. Usage: node parquet_read.mjs <dir> <file.parquet>...
import fs from 'node:fs';
import path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const [dir, ...files] = process.argv.slice(2);
const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));

// hyparquet's value → the display text setlpp's Scalar::to_display gives.
function display(name, value) {
  if (value === null || value === undefined) return null;
  if (name === 't') {
    if (value instanceof Date) return String(BigInt(value.getTime()) * 1000n);
    return String(value);  // BigInt microseconds
  }
  if (name === 'd') {
    const date = value instanceof Date ? value : new Date(Number(value) * 86400000);
    return date.toISOString().slice(0, 10);
  }
  return String(value);
}

let failures = 0;
for (const file of files) {
  const buffer = fs.readFileSync(path.join(dir, file));
  const arrayBuffer = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const rows = await parquetReadObjects({ file: arrayBuffer, compressors });
  if (rows.length !== expected.length) {
    console.log(`${file}: ${rows.length} rows, expected ${expected.length}`);
    failures++;
    continue;
  }
  let mismatches = 0;
  rows.forEach((row, i) => {
    for (const [name, want] of Object.entries(expected[i])) {
      const got = display(name, row[name]);
      if (got !== want && mismatches++ < 5) {
        console.log(`${file}: row ${i} column ${name}: hyparquet read ${got}, expected ${want}`);
      }
    }
  });
  if (mismatches > 0) failures++;
  console.log(`${file}: ${rows.length} rows, ${mismatches} mismatching cells`);
}
process.exit(failures === 0 ? 0 : 1);
