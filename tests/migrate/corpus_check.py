"""The migration corpus check (CTest migrate.corpus): every script of tests/migrate/corpus is
analysed, generated into one tree, built once against an installed setlpp, run on the
samples and reconciled — with the original under python3 + pandas, or with expected
outputs for PySpark. Prints the metrics and fails when a target is missed:
100 % parse, 0 statements unaccounted for, >= 80 % of the pandas corpus and >= 60 % of the
PySpark corpus compiling and matching. The pandas scripts are also validated on sample
inputs generated from the inferred schemas (no --samples), with a floor of 70 %.

  python3 corpus_check.py SETL_BINARY SETL_BUILD_DIR WORK_DIR [CCACHE]
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys

corpus = pathlib.Path(__file__).resolve().parent / "corpus"
setl, build_dir, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
ccache = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else ""
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
prefix = work / "prefix"
subprocess.run(["cmake", "--install", str(build_dir), "--prefix", str(prefix)], check=True,
               stdout=subprocess.DEVNULL)

samples = corpus / "samples"
scripts = sorted(p for p in corpus.iterdir()
                 if p.suffix in (".py", ".ipynb") and "expect-factories:" in p.read_text())
rows = []
for script in scripts:
    text = script.read_text()
    expected = re.search(r"expect-factories: (\d+)", text)
    analysed = subprocess.run([setl, "migrate", "analyze", "--json", str(script)],
                              capture_output=True, text=True, cwd=samples)
    row = {"script": script.name, "parsed": analysed.returncode == 0,
           "expected_factories": int(expected.group(1)) if expected else None}
    if row["parsed"]:
        report = json.loads(analysed.stdout)
        row.update(language=report["language"], factories=len(report.get("factories", [])),
                   unaccounted=report["unaccounted_statements"], readiness=report["readiness"],
                   stubs=sum(1 for f in report.get("findings", []) if f["severity"] == "error"))
    rows.append(row)

out = work / "migrated"
parsed = [r for r in rows if r["parsed"]]
subprocess.run([setl, "migrate", "generate", "-o", str(out)] +
               [str(corpus / r["script"]) for r in parsed], check=True, cwd=samples,
               stdout=subprocess.DEVNULL)
cmake_args = ["--cmake-arg=-DCMAKE_PREFIX_PATH=" + str(prefix),
              "--cmake-arg=-DCMAKE_BUILD_TYPE=Release",
              # Stripped: 43 jobs linking the installed static libraries with their debug
              # information would otherwise take about 5 GB of disk.
              "--cmake-arg=-DCMAKE_EXE_LINKER_FLAGS=-s"]
if ccache:
    cmake_args.append("--cmake-arg=-DCMAKE_CXX_COMPILER_LAUNCHER=" + ccache)
built = False
for row in parsed:
    script = corpus / row["script"]
    command = [setl, "migrate", "validate", "--json", "-o", str(out), "--samples",
               str(corpus / "samples"), str(script)] + cmake_args
    if built:
        command.append("--no-build")
    expected_dir = corpus / "expected" / script.stem
    if row["language"] == "pyspark":
        command += ["--expected", str(expected_dir)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=samples)
    built = True
    report = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    row["compiled"] = bool(report.get("built"))
    row["matched"] = bool(report.get("passed"))
    if not row["matched"]:
        detail = [o["detail"] for o in report.get("outputs", []) if not o["ok"]]
        row["why"] = "; ".join(detail) or report.get("log", result.stderr)[-600:]

# The pandas scripts again, on sample inputs validate generates from the inferred schemas
# (no --samples): how far a user gets with nothing but the script.
for row in parsed:
    if row.get("language") != "pandas" or not row.get("compiled"):
        continue
    result = subprocess.run([setl, "migrate", "validate", "--json", "-o", str(out), "--no-build",
                             str(corpus / row["script"])] + cmake_args,
                            capture_output=True, text=True, cwd=samples)
    report = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    row["matched_on_generated_samples"] = bool(report.get("passed"))
    if not row["matched_on_generated_samples"]:
        detail = [o["detail"] for o in report.get("outputs", []) if not o["ok"]]
        row["why_generated"] = (report.get("samples", "") + " " + "; ".join(detail))[-300:]

def rate(group, key):
    return sum(1 for r in group if r.get(key)) / max(1, len(group))

pandas = [r for r in rows if r.get("language") == "pandas"]
spark = [r for r in rows if r.get("language") == "pyspark"]
annotated = [r for r in parsed if r["expected_factories"] is not None]
metrics = {
    "scripts": len(rows),
    "parse_rate": rate(rows, "parsed"),
    "factories_as_annotated": sum(1 for r in annotated if r["factories"] == r["expected_factories"]),
    "annotated": len(annotated),
    "compile_rate": rate(parsed, "compiled"),
    "pandas_scripts": len(pandas),
    "pandas_pass_rate": rate(pandas, "matched"),
    "pandas_pass_rate_on_generated_samples": rate(pandas, "matched_on_generated_samples"),
    "pyspark_scripts": len(spark),
    "pyspark_pass_rate": rate(spark, "matched"),
    "unaccounted_statements": sum(r.get("unaccounted", 0) for r in parsed),
}
for r in rows:
    status = "match" if r.get("matched") else "compiles" if r.get("compiled") else "FAILS"
    if r.get("language") == "pandas":
        status += ", generated samples: " + (
            "match" if r.get("matched_on_generated_samples") else "differ")
    print(f"{r['script']:<34} {r.get('language', '-'):<8} factories {r.get('factories', '-')}"
          f"/{r['expected_factories']}  readiness {r.get('readiness', 0):.0%}  {status}"
          + (f"  ({r['why'][:300]})" if r.get("why") and not r.get("matched") else ""))
print(json.dumps(metrics, indent=2))
(work / "metrics.json").write_text(json.dumps({"metrics": metrics, "scripts": rows}, indent=2))
failures = []
if metrics["parse_rate"] < 1: failures.append("not every script parses")
if metrics["unaccounted_statements"] != 0: failures.append("statements unaccounted for")
if metrics["pandas_pass_rate"] < 0.8: failures.append("pandas pass rate below 80 %")
if spark and metrics["pyspark_pass_rate"] < 0.6: failures.append("PySpark pass rate below 60 %")
# Not a target of the issue: a floor under what generated samples reach today (75 %).
if metrics["pandas_pass_rate_on_generated_samples"] < 0.7:
    failures.append("pandas pass rate on generated samples below 70 %")
if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
