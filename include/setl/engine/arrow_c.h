// The Apache Arrow C Data Interface and C Stream Interface: hand tables to and take them
// from any Arrow implementation (DuckDB, Polars, pyarrow, ...) without copying. Exported
// arrays keep setlpp's buffers alive until the consumer releases them; imported arrays
// are wrapped in place and released when the last column using them goes away.
//
//   ArrowArrayStream stream;
//   setl::engine::export_table(table, &stream);        // consumer calls stream.release
//   Table back = setl::engine::import_table(&stream);   // takes the stream over
#pragma once

#include <cstdint>

#include "setl/engine/record_batch.h"
#include "setl/engine/table.h"

// The ABI as the Arrow specification defines it (guarded so that headers from other
// Arrow projects can coexist).
#ifndef ARROW_C_DATA_INTERFACE
#  define ARROW_C_DATA_INTERFACE

#  define ARROW_FLAG_DICTIONARY_ORDERED 1
#  define ARROW_FLAG_NULLABLE 2
#  define ARROW_FLAG_MAP_KEYS_SORTED 4

extern "C" {
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};
}
#endif

#ifndef ARROW_C_STREAM_INTERFACE
#  define ARROW_C_STREAM_INTERFACE
extern "C" {
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
}
#endif

namespace setl::engine {

/// Describes `schema` as a struct ("+s") ArrowSchema; the caller owns `out` and must call
/// out->release.
void export_schema(const Schema& schema, ArrowSchema* out);
/// Exports a batch as a struct ArrowArray sharing its buffers (zero-copy).
void export_batch(const RecordBatch& batch, ArrowArray* out);
/// Exports a table as a stream of its batches.
void export_table(const Table& table, ArrowArrayStream* out);

/// Converts a struct ArrowSchema to a Schema (the schema is not released).
/// Throws: SchemaError naming a field whose format setlpp does not support.
Schema import_schema(const ArrowSchema& schema);
/// Takes `array` over (its release is called when the batch's columns are gone; `array`
/// is marked released) and wraps its buffers without copying.
/// Throws: SchemaError for unsupported or inconsistent arrays (the array is released).
RecordBatch import_batch(const ArrowSchema& schema, ArrowArray* array);
/// Reads a whole stream and releases it.
/// Throws: IoError with the producer's message if get_schema or get_next fails.
Table import_table(ArrowArrayStream* stream);

}  // namespace setl::engine
