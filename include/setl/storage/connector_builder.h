// Builds connectors from configuration sections, SETL's ConnectorBuilder:
//
//   connectors:
//     orders:   {storage: CSV, path: data/orders.csv, delimiter: ",", permissive: true}
//     warehouse: {storage: SQLITE, path: out/warehouse.db, table: revenue}
//
//   auto orders = setl::storage::build_connector(config.section("connectors.orders"));
//
// CSV keys: path (required), header, delimiter, quote, escape, null_values, infer_rows,
// permissive, rejects_path, batch_rows. JSONL keys: path, infer_rows, batch_rows.
// PARQUET keys: path (required), compression (none, snappy, gzip, zstd, lz4_raw),
// compression_level, row_group_rows, page_rows, data_page_version (1 or 2), dictionary,
// write_checksums, verify_checksums.
// PARTITIONED keys: path, format (CSV, JSONL or PARQUET), partition_by (a list).
// SQLITE keys: path (required), and table or query. POSTGRES keys: host, port, database,
// user, password_env (the name of a variable holding the password), schema, and table or
// query.
// Unknown keys and storages are ConfigErrors naming the key and listing what is accepted.
#pragma once

#include <memory>

#include "setl/core/config.h"
#include "setl/storage/connector.h"

namespace setl::storage {

std::shared_ptr<Connector> build_connector(const Config& section);

}  // namespace setl::storage
