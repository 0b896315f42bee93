// The exchange's wire format: bytes from another rank decoded as batch frames of a schema
// with every engine type; a frame that decodes must encode and decode to the same rows.
#include "engine/types/batch_codec.h"
#include "fuzz_support.h"
#include "setl/core/error.h"

namespace {

setl::engine::SchemaPtr every_type() {
  using setl::engine::DataType;
  return std::make_shared<setl::engine::Schema>(
      std::vector<setl::engine::Field>{{"n", DataType::null()},
                                       {"b", DataType::boolean()},
                                       {"i", DataType::int32()},
                                       {"l", DataType::int64()},
                                       {"f", DataType::float64()},
                                       {"s", DataType::string()},
                                       {"d", DataType::date32()},
                                       {"t", DataType::timestamp("UTC")},
                                       {"m", DataType::decimal(20, 4)}});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  static const setl::engine::SchemaPtr schema = every_type();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  setl::fuzz::expect_only_setl_errors([&] {
    setl::engine::detail::BatchDecoder decoder(bytes, schema, "fuzz input");
    while (!decoder.done()) {
      setl::engine::RecordBatch batch = decoder.next();
      std::string again;
      setl::engine::detail::encode_batch(batch, again);
      setl::engine::detail::BatchDecoder round_trip(again, schema, "re-encoded batch");
      if (round_trip.next().num_rows() != batch.num_rows() || !round_trip.done()) {
        __builtin_trap();  // what decodes must encode to the same rows
      }
      (void)batch.slice(0, batch.num_rows()).memory_size();
      size_t characters = 0;  // every string of the frame is read
      for (int64_t row = 0; row < batch.num_rows(); ++row) {
        characters += batch.column(5)->string_value(row).size();
      }
      (void)characters;
    }
  });
  return 0;
}
