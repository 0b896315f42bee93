// `setl sql`: SQL over files and databases from the command line.
//
//   setl sql -t orders=data/orders.parquet -t people=data/people.csv
//            "SELECT city, count(*) FROM orders JOIN people USING (id) GROUP BY city"
//   setl sql --config job.yaml --format csv -f report.sql > report.csv
//   setl sql -t sales=warehouse/sales/            # a prompt, when stdin is a terminal
//
// Tables: NAME=PATH where the path's extension says the format (.csv, .tsv, .csv.gz,
// .csv.zst, .parquet, .jsonl, .ndjson, .json), a directory is a partitioned dataset (its
// files' format, or --format-of-dirs), NAME=sqlite:FILE:TABLE, and
// NAME=postgres:host=H,port=P,database=D,user=U,password_env=VAR,table=T; or every
// connector of a configuration file's `connectors` section (--config). Statements come
// from the arguments, a file (-f), standard input, or the prompt: it reads statements
// up to ';', runs them, keeps going after errors, and appends each statement to a
// history file ($SETL_SQL_HISTORY, else ~/.setl_sql_history). `.tables` lists the views,
// `.quit` leaves. Results print as an aligned table (default), CSV or JSON (an array of
// objects). Exit codes as run_job's: 0 success, 1 a statement failed, 2 bad usage, 3 a
// table that cannot be opened.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace setl::cli {

/// Runs `setl sql` with `args` (without "sql"); `interactive` when `in` is a terminal
/// (prompts are written to `out` then).
int sql_command(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err, bool interactive);

}  // namespace setl::cli
