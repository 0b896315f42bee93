// Disk-cache codecs for engine tables and datasets, stored as Parquet (zstd). They bridge
// the workflow layer's DiskCache and the storage layer's Parquet writer, so they live at
// the top of the include tree, beside setl/setl.h.
//
//   auto disk = std::make_shared<setl::workflow::DiskCache>(".setl-cache");
//   setl::add_table_codecs(*disk);          // Table (and built-in scalars, strings, vectors)
//   setl::add_dataset_codec<Order>(*disk);  // Dataset<Order>, std::vector<Order> (SETL_SCHEMA)
#pragma once

#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "setl/engine/dataset.h"
#include "setl/engine/table.h"
#include "setl/storage/parquet_connector.h"
#include "setl/workflow/disk_cache.h"

namespace setl {

/// Parquet (zstd, no page checksums: the cache checksums whole entries).
class TableCodec : public workflow::Codec<engine::Table> {
 public:
  void encode(const engine::Table& table, std::ostream& out) const override {
    storage::write_parquet(
        table, out, {.compression = storage::ParquetCompression::kZstd, .write_checksums = false});
  }
  engine::Table decode(std::istream& in) const override {
    auto bytes = std::make_shared<const std::string>(std::istreambuf_iterator<char>(in),
                                                     std::istreambuf_iterator<char>());
    return storage::read_parquet_bytes(bytes, "cache entry");
  }
};

template <class T>
class DatasetCodec : public workflow::Codec<engine::Dataset<T>> {
 public:
  void encode(const engine::Dataset<T>& dataset, std::ostream& out) const override {
    tables_.encode(dataset.table(), out);
  }
  engine::Dataset<T> decode(std::istream& in) const override {
    return engine::Dataset<T>(tables_.decode(in));
  }

 private:
  TableCodec tables_;
};

/// Registers the Table codec and the built-in ones (a disk cache's, or a pipeline's
/// transfer_codecs() for a distributed run).
inline void add_table_codecs(workflow::CodecRegistry& codecs) {
  codecs.add_builtin();
  codecs.add<engine::Table>(std::make_shared<const TableCodec>());
}
inline void add_table_codecs(workflow::DiskCache& cache) {
  add_table_codecs(cache.codecs());
}

/// std::vector<T> of a SETL_SCHEMA struct, stored as the equivalent table.
template <class T>
class RecordsCodec : public workflow::Codec<std::vector<T>> {
 public:
  void encode(const std::vector<T>& rows, std::ostream& out) const override {
    tables_.encode(engine::Dataset<T>::from(rows).table(), out);
  }
  std::vector<T> decode(std::istream& in) const override {
    return engine::Dataset<T>(tables_.decode(in)).collect();
  }

 private:
  TableCodec tables_;
};

/// Dataset<T> and std::vector<T> for a SETL_SCHEMA struct T.
template <class T>
void add_dataset_codec(workflow::CodecRegistry& codecs) {
  codecs.add<engine::Dataset<T>>(std::make_shared<const DatasetCodec<T>>());
  codecs.add<std::vector<T>>(std::make_shared<const RecordsCodec<T>>());
}
template <class T>
void add_dataset_codec(workflow::DiskCache& cache) {
  add_dataset_codec<T>(cache.codecs());
}

}  // namespace setl
