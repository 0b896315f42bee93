// Writes Arrow IPC files and streams with apache-arrow (an independent implementation) in
// every Arrow type setlpp reads, each with NULLs, plus js_expected.json: for each column the
// engine type setlpp must read it as and every row in the canonical text of
// arrow_ipc_oracle_files (integers, days, microseconds and unscaled decimals as integers,
// doubles in their shortest form; null for NULL), computed here from the stored values by
// the conversions setlpp documents (e.g. nanoseconds rounded down to microseconds).
// Usage: node arrow_ipc_write.mjs <dir>
import { writeFileSync, mkdirSync } from 'node:fs';
import {
  makeData, makeVector, vectorFromArray, Table, tableToIPC, Int8, Int16, Int32, Int64, Uint8,
  Uint16, Uint32, Uint64, Float16, Float32, Float64, Utf8, LargeUtf8, Binary, FixedSizeBinary,
  Bool, DateDay, DateMillisecond, TimestampSecond, TimestampMillisecond, TimestampMicrosecond,
  TimestampNanosecond, Decimal, Dictionary,
} from 'apache-arrow';

const dir = process.argv[2];
mkdirSync(dir, { recursive: true });
const rows = 40;
const isNull = (i) => i % 6 === 4;
const columns = {};
const expected = [];

// A column from `values(i)` (stored values) built by `build`, and the canonical text of
// each as setlpp reads it.
function column(name, engineType, values, build, canonical) {
  const stored = Array.from({ length: rows }, (_, i) => (isNull(i) ? null : values(i)));
  columns[name] = build(stored);
  expected.push({ name, type: engineType, values: stored.map((v) => (v === null ? null : canonical(v))) });
}

// Validity bits for makeData.
function validity() {
  const bits = new Uint8Array(Math.ceil(rows / 8));
  for (let i = 0; i < rows; ++i) if (!isNull(i)) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}
const nulls = Array.from({ length: rows }, (_, i) => i).filter(isNull).length;
function fixed(type, Array_, stored) {
  const data = new Array_(rows);
  stored.forEach((v, i) => { if (v !== null) data[i] = v; });
  return makeVector(makeData({ type, length: rows, nullCount: nulls, nullBitmap: validity(), data }));
}
const text = (v) => String(v);
const floorDiv = (a, b) => { const q = a / b; return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q; };

column('i8', 'int32', (i) => ((i * 37) % 256) - 128, (s) => vectorFromArray(s, new Int8), text);
column('i16', 'int32', (i) => i * 1000 - 20000, (s) => vectorFromArray(s, new Int16), text);
column('u8', 'int32', (i) => (i * 7) % 256, (s) => vectorFromArray(s, new Uint8), text);
column('u16', 'int32', (i) => (i * 1500) % 65536, (s) => vectorFromArray(s, new Uint16), text);
column('u32', 'int64', (i) => 4294967295 - i * 1000, (s) => vectorFromArray(s, new Uint32), text);
column('u64', 'decimal(20,0)', (i) => 18446744073709551615n - BigInt(i) * 12345678901n,
       (s) => fixed(new Uint64, BigUint64Array, s), text);
column('i64', 'int64', (i) => BigInt(i) * (1n << 55n) - (1n << 62n),
       (s) => fixed(new Int64, BigInt64Array, s), text);
// Half floats by their bits, each exactly a double: 1, -2, 1.5, 0.25, 0, 65504, -0.5.
const halves = [[0x3C00, '1'], [0xC000, '-2'], [0x3E00, '1.5'], [0x3400, '0.25'], [0x0000, '0'],
                [0x7BFF, '65504'], [0xB800, '-0.5']];
column('f16', 'float64', (i) => i % halves.length, (s) => fixed(new Float16, Uint16Array,
       s.map((k) => (k === null ? null : halves[k][0]))), (k) => halves[k][1]);
column('f32', 'float64', (i) => Math.fround(i * 0.1 + 1), (s) => fixed(new Float32, Float32Array, s), text);
column('f64', 'float64', (i) => (i - 20) / 8, (s) => fixed(new Float64, Float64Array, s), text);
column('s', 'string', (i) => `ü${i} "q"`, (s) => vectorFromArray(s, new Utf8), text);
column('ls', 'string', (i) => `large ${i}`, (s) => vectorFromArray(s, new LargeUtf8), text);
column('bin', 'string', (i) => `b${i}`,
       (s) => vectorFromArray(s.map((v) => (v === null ? null : new TextEncoder().encode(v))), new Binary),
       text);
column('fsb', 'string', (i) => `x${String(i).padStart(2, '0')}`,
       (s) => vectorFromArray(s.map((v) => (v === null ? null : new TextEncoder().encode(v))),
                              new FixedSizeBinary(3)), text);
column('b', 'bool', (i) => i % 3 === 0, (s) => vectorFromArray(s, new Bool), (v) => (v ? 'true' : 'false'));
column('d32', 'date32', (i) => 19000 + i * 3 - 60, (s) => fixed(new DateDay, Int32Array, s), text);
column('d64', 'date32', (i) => (i - 20) * 86_400_000 + ((i * 3_600_000) % 86_400_000),
       (s) => vectorFromArray(s.map((v) => (v === null ? null : new Date(v))), new DateMillisecond),
       (v) => String(Math.floor(v / 86_400_000)));
column('ts_s', 'timestamp[us, tz=UTC]', (i) => BigInt(i * 86_399 - 1_000_000),
       (s) => fixed(new TimestampSecond('UTC'), BigInt64Array, s), (v) => String(v * 1_000_000n));
column('ts_ms', 'timestamp[us]', (i) => BigInt(i * 123_456_789 - 2_000_000_000),
       (s) => fixed(new TimestampMillisecond, BigInt64Array, s), (v) => String(v * 1000n));
column('ts_us', 'timestamp[us, tz=Europe/Oslo]', (i) => BigInt(i) * 1_000_000_007n - 7n,
       (s) => fixed(new TimestampMicrosecond('Europe/Oslo'), BigInt64Array, s), text);
column('ts_ns', 'timestamp[us]', (i) => BigInt(i) * 987_654_321n - 20_000_000_001n,
       (s) => fixed(new TimestampNanosecond, BigInt64Array, s), (v) => String(floorDiv(v, 1000n)));
// decimal(12, 3): four little-endian 32-bit words per value, two's complement.
column('dec', 'decimal(12,3)', (i) => BigInt(i) * 123_456_789n - 2_000_000_000n, (s) => {
  const words = new Uint32Array(rows * 4);
  s.forEach((v, i) => {
    if (v === null) return;
    let x = BigInt.asUintN(128, v);
    for (let w = 0; w < 4; ++w) { words[i * 4 + w] = Number(x & 0xFFFFFFFFn); x >>= 32n; }
  });
  return makeVector(makeData({ type: new Decimal(3, 12, 128), length: rows, nullCount: nulls,
                               nullBitmap: validity(), data: words }));
}, text);
column('dict8', 'string', (i) => ['red', 'green', 'blue'][i % 3],
       (s) => vectorFromArray(s, new Dictionary(new Utf8, new Int8)), text);
column('dict32', 'string', (i) => `k${i % 5}`,
       (s) => vectorFromArray(s, new Dictionary(new Utf8, new Int32)), text);

const table = new Table(columns);
// Two batches, so that the files hold more than one record batch.
const batched = new Table([...table.slice(0, 25).batches, ...table.slice(25).batches]);
writeFileSync(`${dir}/js.arrow`, tableToIPC(batched, 'file'));
writeFileSync(`${dir}/js.stream`, tableToIPC(batched, 'stream'));
writeFileSync(`${dir}/js_expected.json`, JSON.stringify(expected));
console.log(`arrow_ipc_write: apache-arrow wrote ${expected.length} columns of ${rows} rows`);
