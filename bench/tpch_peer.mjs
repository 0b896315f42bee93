// Drives bench/tpch_peer_runner (setlpp) and DuckDB (npm @duckdb/node-api) on the same
// TPC-H data, interleaved query by query: for each query and thread count, one untimed
// run of each, then `reps` timed runs alternating setlpp and DuckDB; the median counts.
// Checks that both engines' answers agree (numbers to 1e-6 relative), then prints the
// comparison table. Run through tpch_peer.sh.
//
// With TPCH_SOURCE=parquet both engines query the Parquet files directly (setlpp scans
// them, DuckDB reads them through views over read_parquet) instead of tables in memory.
//
//   node tpch_peer.mjs <runner> <sf> <data-dir> [reps] [queries,comma,separated]
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';

const [runnerPath, sf, dataDir, repsText, queryList] = process.argv.slice(2);
const reps = Number(repsText ?? 3);
const threadCounts = [1, 2];
const source = process.env.TPCH_SOURCE ?? 'memory';
if (source !== 'memory' && source !== 'parquet') throw new Error(`TPCH_SOURCE must be memory or parquet, not ${source}`);

// TPCH_FRONTEND=sql: setlpp runs the specification's SQL text through setl::sql.
const frontend = process.env.TPCH_FRONTEND === 'sql' ? ['--sql'] : [];

// The runner, as a line-oriented child process.
const runner = spawn(runnerPath, ['--sf', sf, '--dir', dataDir, '--source', source, ...frontend],
                     { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = readline.createInterface({ input: runner.stdout })[Symbol.asyncIterator]();
async function nextLine() {
  const { value, done } = await lines.next();
  if (done) throw new Error('tpch_peer_runner exited');
  if (value.startsWith('error')) throw new Error(`tpch_peer_runner: ${value}`);
  return value;
}
async function ask(command) {
  runner.stdin.write(command + '\n');
  return nextLine();
}
async function askRows(command) {
  runner.stdin.write(command + '\n');
  const rows = [];
  for (let line = await nextLine(); line !== 'end'; line = await nextLine()) {
    rows.push(line.split('\t'));
  }
  return rows;
}

console.error(await nextLine());  // "ready ...": data generated and written as Parquet
const queries = queryList ? queryList.split(',').map(Number)
                          : (await ask('queries')).split(' ').slice(1).map(Number);

const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
// No extension may be downloaded or loaded implicitly.
await db.run('SET autoinstall_known_extensions=false');
await db.run('SET autoload_known_extensions=false');
for (const table of ['region', 'nation', 'supplier', 'customer', 'part', 'partsupp', 'orders',
                     'lineitem']) {
  const kind = source === 'parquet' ? 'VIEW' : 'TABLE';
  await db.run(`CREATE ${kind} ${table} AS SELECT * FROM read_parquet('${dataDir}/${table}.parquet')`);
}

async function duckdbRun(sql) {
  const start = process.hrtime.bigint();
  const reader = await db.runAndReadAll(sql);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, rows: reader.getRows() };
}
async function setlRun(query, threads) {
  const [, ms] = (await ask(`run ${query} ${threads}`)).split(' ');
  return Number(ms);
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function sameCell(ours, text) {
  if (ours === text) return true;
  const a = Number(ours);
  const b = Number(text);
  return Number.isFinite(a) && Number.isFinite(b) &&
         Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}

const results = [];
let mismatches = 0;
for (const query of queries) {
  const sql = (await ask(`sql ${query}`)).slice(4);
  const row = { query, times: {} };
  for (const threads of threadCounts) {
    await db.run(`SET threads = ${threads}`);
    await setlRun(query, threads);  // untimed: first touches of memory, caches
    await duckdbRun(sql);
    const ours = [];
    const theirs = [];
    for (let r = 0; r < reps; ++r) {
      ours.push(await setlRun(query, threads));
      theirs.push((await duckdbRun(sql)).ms);
    }
    row.times[threads] = { setl: median(ours), duckdb: median(theirs) };
  }
  const ourRows = await askRows(`result ${query}`);
  const theirRows = (await duckdbRun(sql)).rows.map((row) => row.map((v) => (v === null ? 'null' : String(v))));
  const sameRows = (a, b) => a.length === b.length &&
      a.every((row, i) => row.length === b[i].length && row.every((cell, c) => sameCell(cell, b[i][c])));
  // Rows whose ORDER BY keys tie may come in either order: in order first, else as sets.
  const sorted = (rows) => [...rows].sort((x, y) => (x.join('\t') < y.join('\t') ? -1 : 1));
  let agree = sameRows(ourRows, theirRows) || sameRows(sorted(ourRows), sorted(theirRows));
  if (!agree) {
    for (let i = 0; i < Math.max(ourRows.length, theirRows.length); ++i) {
      if (!ourRows[i] || !theirRows[i] || !sameRows([ourRows[i]], [theirRows[i]])) {
        console.error(`Q${query} row ${i}: setlpp ${(ourRows[i] ?? []).join(' | ')}\n` +
                      `         DuckDB ${(theirRows[i] ?? []).join(' | ')}`);
        break;
      }
    }
  }
  if (!agree) {
    console.error(`Q${query}: answers differ (${ourRows.length} vs ${theirRows.length} rows)`);
    ++mismatches;
  }
  row.agree = agree;
  results.push(row);
  const t = row.times;
  console.error(`Q${query}: setlpp ${t[1].setl.toFixed(1)} / ${t[2].setl.toFixed(1)} ms, ` +
                `DuckDB ${t[1].duckdb.toFixed(1)} / ${t[2].duckdb.toFixed(1)} ms (1 / 2 threads)` +
                (agree ? '' : '  ANSWERS DIFFER'));
}
runner.stdin.write('quit\n');

const geomean = (values) => Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
const ratio = (r, threads) => r.times[threads].setl / r.times[threads].duckdb;
console.log(`TPC-H SF ${sf} (${source === 'parquet' ? 'queries read the Parquet files' : 'tables in memory'}), ` +
            `median of ${reps} interleaved runs, setlpp / DuckDB time (lower is better)\n`);
console.log('| query | setlpp 1 thread ms | DuckDB 1 thread ms | ratio | setlpp 2 threads ms | DuckDB 2 threads ms | ratio | answers |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const t = r.times;
  console.log(`| Q${r.query} | ${t[1].setl.toFixed(1)} | ${t[1].duckdb.toFixed(1)} | ${ratio(r, 1).toFixed(2)}× | ` +
              `${t[2].setl.toFixed(1)} | ${t[2].duckdb.toFixed(1)} | ${ratio(r, 2).toFixed(2)}× | ` +
              `${r.agree ? 'agree' : 'DIFFER'} |`);
}
console.log(`| geometric mean | | | ${geomean(results.map((r) => ratio(r, 1))).toFixed(2)}× | | | ` +
            `${geomean(results.map((r) => ratio(r, 2))).toFixed(2)}× | |`);
const speedup = (engine) => geomean(results.map((r) => r.times[1][engine] / r.times[2][engine]));
console.log(`\n1 → 2 threads speedup (geometric mean): setlpp ${speedup('setl').toFixed(2)}×, ` +
            `DuckDB ${speedup('duckdb').toFixed(2)}×`);
process.exit(mismatches === 0 ? 0 : 1);
