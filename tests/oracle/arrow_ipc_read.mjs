// Reads setlpp's Arrow IPC file and stream with apache-arrow (an independent
// implementation) and compares every column's type and every value with expected.json.
// Usage: node arrow_ipc_read.mjs <dir>
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';

const dir = process.argv[2];
const expected = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8'));
const fail = (message) => { console.error(`arrow_ipc_read: ${message}`); process.exit(1); };

// Value i of a vector as its buffer holds it (microseconds for a timestamp, days for a
// date), not as apache-arrow converts it for JavaScript.
function stored(vector, i) {
  let at = i;
  for (const data of vector.data) {
    if (at < data.length) return data.values[data.offset + at];
    at -= data.length;
  }
  return undefined;
}

// The canonical text of value i of a vector, as arrow_ipc_oracle_files writes it.
function canonical(vector, i) {
  if (!vector.isValid(i)) return null;
  const type = vector.type;
  const value = vector.get(i);
  switch (type.typeId) {
    case 1: return null;  // Null
    case 6: return value ? 'true' : 'false';  // Bool
    case 3: return Number.isInteger(value) ? value.toFixed(1).replace(/\.0$/, '') : String(value);
    case 7: {  // Decimal: four little-endian 32-bit words, two's complement
      const words = value instanceof Uint32Array ? value : new Uint32Array(value.buffer ?? value);
      let big = 0n;
      for (let w = 3; w >= 0; --w) big = (big << 32n) | BigInt(words[w]);
      if (big >> 127n) big -= 1n << 128n;
      return big.toString();
    }
    case 8:  // Date<DAY>
    case 10:  // Timestamp
      return String(stored(vector, i));
    default: return typeof value === 'bigint' ? value.toString() : String(value);
  }
}

for (const [name, buffer] of [['file', readFileSync(`${dir}/oracle.arrow`)],
                              ['stream', readFileSync(`${dir}/oracle.stream`)]]) {
  const table = tableFromIPC(buffer);
  if (table.schema.metadata.get('origin') !== 'setlpp') fail(`${name}: schema metadata lost`);
  if (table.numRows !== expected[0].values.length) fail(`${name}: ${table.numRows} rows`);
  for (const column of expected) {
    const vector = table.getChild(column.name);
    if (!vector) fail(`${name}: no column ${column.name}`);
    const type = String(vector.type);
    if (type !== column.type) fail(`${name}: column ${column.name} is ${type}, not ${column.type}`);
    for (let i = 0; i < column.values.length; ++i) {
      const got = canonical(vector, i);
      if (got !== column.values[i]) {
        fail(`${name}: ${column.name}[${i}] is ${JSON.stringify(got)}, not ${JSON.stringify(column.values[i])}`);
      }
    }
  }
  const field = table.schema.fields.find((f) => f.name === 'm');
  if (field.metadata.get('unit') !== 'EUR') fail(`${name}: column metadata lost`);
}
console.log(`arrow_ipc_read: apache-arrow read ${expected.length} columns of ` +
            `${expected[0].values.length} rows from the file and the stream, all equal`);
