#!/usr/bin/env python3
"""Kills the main job with SIGKILL at random points and resumes it from its run journal.

usage: crash_resume.py TPCH_ETL OUT_DIR [RUNS] [SEED]

A clean run gives the expected outputs: the SQLite warehouse table and the report, which
reads the warehouse and queries the Parquet lake. Then, RUNS times (default 20, or
$SETL_CRASH_RUNS), the job starts on a fresh output directory, is killed after a random
delay up to the clean run's duration, and is resumed with `--resume last` (or run again
when it died before its journal existed); every other run has a disk cache, from which the
resume restores what succeeded. Each resume must succeed with the clean run's
outputs, and the warehouse must hold no duplicate rows.
"""
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

job, out = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else int(os.environ.get("SETL_CRASH_RUNS", "20"))
seed = int(sys.argv[4]) if len(sys.argv) > 4 else random.randrange(1 << 30)
rng = random.Random(seed)
print(f"seed {seed} (pass it as the 4th argument to replay), {runs} kills", flush=True)
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)


def command(directory, *extra, cached=False):
    args = [job, "--sf", "0.01", "--out", os.path.join(directory, "data"), "--journal",
            os.path.join(directory, "journal"), "--dag", "none", *extra]
    if cached:  # a resume then restores what succeeded from the disk cache
        args += ["--cache-dir", os.path.join(directory, "cache")]
    return args


def comparable(report):
    """The report without timings and paths, which differ from run to run."""
    report = report.split("== benchmark ==")[0]
    report = re.sub(r"== resume of .*?\n\n", "", report, flags=re.S)
    report = re.sub(r"== result cache ==.*?\n\n", "", report, flags=re.S)
    return re.sub(r"[-\w./]*/data/", "DATA/", report)


def warehouse(directory):
    database = os.path.join(directory, "data", "warehouse.db")
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT * FROM revenue_by_nation ORDER BY n_name").fetchall()
        distinct = connection.execute(
            "SELECT COUNT(DISTINCT n_name) FROM revenue_by_nation").fetchone()[0]
    if distinct != len(rows):
        sys.exit(f"{directory}: {len(rows) - distinct} duplicate rows in the warehouse")
    return rows


def run(args, expect_ok=True):
    result = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if expect_ok and result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


clean_dir = os.path.join(out, "clean")
started = time.monotonic()
clean = run(command(clean_dir))
duration = time.monotonic() - started
expected_report, expected_rows = comparable(clean.stdout), warehouse(clean_dir)
if len(expected_rows) != 25:
    sys.exit(f"the clean run wrote {len(expected_rows)} warehouse rows, expected 25")

outcomes = {"resumed": 0, "nothing to resume": 0, "no journal yet": 0}
kept_counts = []
for index in range(runs):
    directory = os.path.join(out, f"kill-{index}")
    delay = rng.uniform(0, duration * 1.1)
    cached = index % 2 == 1
    victim = subprocess.Popen(command(directory, cached=cached), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    time.sleep(delay)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    resumed = run(command(directory, "--resume", "last", cached=cached), expect_ok=False)
    if resumed.returncode == 3 and "no run of 'tpch_etl'" in resumed.stderr:
        outcomes["no journal yet"] += 1
        resumed = run(command(directory, cached=cached))
    elif resumed.returncode != 0:
        sys.exit(f"kill {index} after {delay:.3f} s: the resume failed "
                 f"({resumed.returncode}):\n{resumed.stderr[-3000:]}")
    elif "nothing to resume" in resumed.stdout:
        outcomes["nothing to resume"] += 1
    else:
        outcomes["resumed"] += 1
        kept_counts.append(resumed.stdout.count("not run again: "))
    if comparable(resumed.stdout) != expected_report:
        sys.exit(f"kill {index} after {delay:.3f} s: the resumed run reported something else:\n"
                 f"{resumed.stdout[:3000]}\n--- expected ---\n{expected_report[:3000]}")
    if warehouse(directory) != expected_rows:
        sys.exit(f"kill {index} after {delay:.3f} s: the warehouse differs from the clean run's")
    shutil.rmtree(directory)

print(f"{runs} runs killed with SIGKILL within {duration * 1.1:.2f} s (a clean run: "
      f"{duration:.2f} s): {outcomes['resumed']} resumed (factories not run again: "
      f"{sorted(kept_counts)}), {outcomes['nothing to resume']} had finished, "
      f"{outcomes['no journal yet']} died before their journal existed; every result equals "
      f"the clean run's, no duplicate warehouse rows")
