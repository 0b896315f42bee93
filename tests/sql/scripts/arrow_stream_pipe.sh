#!/usr/bin/env bash
# Two `setl sql` processes joined by a pipe: the first sends its result as an Arrow IPC
# stream, the second reads it from its standard input (fd:0) and aggregates it.
set -euo pipefail
setl="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
{
  echo "id,city"
  seq 1 200000 | awk '{ print $1 "," ($1 % 3 == 0 ? "oslo" : "rome") }'
} > "$work/rows.csv"
got="$("$setl" sql --format arrow -t rows="$work/rows.csv" "SELECT id, city FROM rows WHERE id % 2 = 0" |
  "$setl" sql --format csv -t piped=fd:0 \
    "SELECT city, count(*) AS n, sum(id) AS total FROM piped GROUP BY city ORDER BY city")"
want="$(printf 'city,n,total\noslo,33333,3333366666\nrome,66667,6666733334')"
if [[ "$got" != "$want" ]]; then
  echo "expected:"; echo "$want"; echo "got:"; echo "$got"
  exit 1
fi
echo "ok: 100000 rows through the pipe"
