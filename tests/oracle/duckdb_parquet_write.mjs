// Writes Parquet files with DuckDB (an independent implementation) for setlpp to read:
// every codec setlpp supports, data pages v1 and v2, several row groups, dictionary and
// plain strings, nulls, and the types setlpp maps. Beside each <name>.parquet goes
// <name>.json: the column names and every row as DuckDB reads it back, in canonical text
// (integers, doubles with 17 significant digits, decimals with every digit, dates as days
// and timestamps as
// microseconds since the epoch, booleans as true/false, null for NULL).
// Usage: node duckdb_parquet_write.mjs <out-dir>
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const out = process.argv[2];
fs.mkdirSync(out, { recursive: true });
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
// No extension may be downloaded or loaded implicitly.
await db.run('SET autoinstall_known_extensions=false');
await db.run('SET autoload_known_extensions=false');

// 2,500 deterministic rows; every column has NULLs at its own rhythm.
await db.run(`CREATE TABLE source AS SELECT
  CASE WHEN r % 7 = 3 THEN NULL ELSE r % 3 = 0 END AS b,
  CASE WHEN r % 11 = 5 THEN NULL ELSE (r * 37 % 1000 - 500)::INTEGER END AS i32,
  CASE WHEN r % 13 = 1 THEN NULL ELSE r * 1000000007 + (1::BIGINT << 60) END AS i64,
  (r % 100 - 50)::SMALLINT AS i16,
  CASE WHEN r % 5 = 2 THEN NULL ELSE r / 8.0 - 3.25 + 1.0 / (r + 1) END AS f64,
  (r * 0.25)::DECIMAL(12, 2) AS price,
  CASE WHEN r % 31 = 9 THEN NULL ELSE ((r - 1250) * 0.5)::DECIMAL(9, 2) END AS small,
  ((r - 1250) * 123456789012.0123)::DECIMAL(30, 4) AS wide,
  CASE WHEN r % 17 = 4 THEN NULL WHEN r % 4 = 0 THEN 'ünï "' || (r % 9) || '"'
       ELSE 'row-' || r END AS s,
  CASE WHEN r % 19 = 6 THEN NULL ELSE ['AIR', 'MAIL', 'SHIP', 'RAIL'][r % 4 + 1] END AS mode,
  CASE WHEN r % 23 = 7 THEN NULL ELSE DATE '1992-01-01' + (r * 3)::INTEGER END AS d,
  CASE WHEN r % 29 = 8 THEN NULL
       ELSE TIMESTAMP '2020-02-29 23:59:59' + to_microseconds(r * 61000123) END AS ts
  FROM range(2500) AS t(r)`);

const variants = [
  ['uncompressed_v1', "COMPRESSION uncompressed"],
  ['snappy_v1', "COMPRESSION snappy"],
  ['gzip_v1', "COMPRESSION gzip"],
  ['zstd_v1', "COMPRESSION zstd"],
  ['lz4_v1', "COMPRESSION lz4"],
  ['zstd_v2', "COMPRESSION zstd, PARQUET_VERSION V2"],
  ['snappy_v2', "COMPRESSION snappy, PARQUET_VERSION V2"],
  ['uncompressed_v2', "COMPRESSION uncompressed, PARQUET_VERSION V2"],
];
const canonical = `SELECT
  CASE WHEN b IS NULL THEN NULL WHEN b THEN 'true' ELSE 'false' END,
  i32::VARCHAR, i64::VARCHAR, i16::VARCHAR,
  printf('%.17g', f64), price::VARCHAR, small::VARCHAR, wide::VARCHAR, s, mode,
  date_diff('day', DATE '1970-01-01', d)::VARCHAR, epoch_us(ts)::VARCHAR`;
const columns = ['b', 'i32', 'i64', 'i16', 'f64', 'price', 'small', 'wide', 's', 'mode', 'd',
                 'ts'];

for (const [name, options] of variants) {
  const file = path.join(out, `${name}.parquet`);
  await db.run(`COPY source TO '${file}' (FORMAT parquet, ${options}, ROW_GROUP_SIZE 1000)`);
  const reader = await db.runAndReadAll(`${canonical} FROM read_parquet('${file}')`);
  fs.writeFileSync(path.join(out, `${name}.json`),
                   JSON.stringify({ columns, rows: reader.getRowsJS() }));
}
console.log(`DuckDB wrote ${variants.length} Parquet files to ${out}`);
