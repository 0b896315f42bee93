#include "setl/engine/arrow_c.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/memory.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::engine {
namespace {

using namespace fn;  // the expression functions: sum, count, year, ...

using ::testing::HasSubstr;
using testing::message_of;

Table every_type() {
  ColumnBuilder timestamps(DataType::timestamp("UTC"));
  timestamps.append_int(1'700'000'000'000'000);
  timestamps.append_null();
  timestamps.append_int(0);
  ColumnBuilder decimals(DataType::decimal(38, 6));
  decimals.append_decimal(-12'500'000);
  decimals.append_null();
  decimals.append(Scalar::decimal(pow10_int128(38) - 1, 38, 6));
  return Table::from_columns({
      {"b", testing::bools({true, std::nullopt, false})},
      {"i", testing::int32s({1, 2, std::nullopt})},
      {"l", testing::int64s({std::nullopt, -5, 7})},
      {"g", testing::float64s({1.5, std::nullopt, -0.25})},
      {"u", testing::strings({"ünï", "", std::nullopt})},
      {"d", testing::dates({"2024-02-29", std::nullopt, "1970-01-01"})},
      {"t", timestamps.finish()},
      {"n", Column::nulls(DataType::null(), 3)},
      {"m", decimals.finish()},
  });
}

TEST(ArrowC, ExportsTheSpecificationsFormats) {
  ArrowSchema schema{};
  export_schema(*every_type().schema(), &schema);
  EXPECT_STREQ(schema.format, "+s");
  ASSERT_EQ(schema.n_children, 9);
  std::vector<std::string> formats;
  for (int64_t i = 0; i < schema.n_children; ++i) {
    formats.emplace_back(schema.children[i]->format);
    EXPECT_EQ(schema.children[i]->flags & ARROW_FLAG_NULLABLE, ARROW_FLAG_NULLABLE);
  }
  EXPECT_EQ(formats,
            (std::vector<std::string>{"b", "i", "l", "g", "u", "tdD", "tsu:UTC", "n", "d:38,6"}));
  EXPECT_STREQ(schema.children[4]->name, "u");
  schema.release(&schema);
  EXPECT_EQ(schema.release, nullptr);
}

TEST(ArrowC, BatchRoundTripIsZeroCopy) {
  Table table = every_type();
  RecordBatch batch = table.combine();
  ArrowSchema schema{};
  ArrowArray array{};
  export_schema(*batch.schema(), &schema);
  export_batch(batch, &array);
  EXPECT_EQ(array.length, 3);
  EXPECT_EQ(array.n_children, 9);
  EXPECT_EQ(array.children[2]->null_count, 1);
  EXPECT_EQ(array.children[4]->n_buffers, 3);
  RecordBatch back = import_batch(schema, &array);
  EXPECT_EQ(array.release, nullptr);  // taken over
  schema.release(&schema);
  EXPECT_EQ(Table::from_batch(back).to_string(), table.to_string());
  EXPECT_EQ(back.column(2)->values<int64_t>(), batch.column(2)->values<int64_t>());
  EXPECT_EQ(back.column(4)->string_value(0), "ünï");
  EXPECT_EQ(back.schema()->field(6).type, DataType::timestamp("UTC"));
  EXPECT_EQ(back.schema()->field(8).type, DataType::decimal(38, 6));
  EXPECT_EQ(back.column(8)->values<int128>(), batch.column(8)->values<int128>());
  EXPECT_EQ(back.column(8)->scalar(2).to_display(), "99999999999999999999999999999999.999999");
}

TEST(ArrowC, SlicedColumnsKeepTheirOffset) {
  Table sliced = every_type().slice(1, 2);
  RecordBatch batch = sliced.combine();
  ArrowSchema schema{};
  ArrowArray array{};
  export_schema(*batch.schema(), &schema);
  export_batch(batch, &array);
  EXPECT_EQ(array.children[1]->offset, 1);
  RecordBatch back = import_batch(schema, &array);
  schema.release(&schema);
  EXPECT_EQ(Table::from_batch(back).to_string(), sliced.to_string());
}

TEST(ArrowC, ExportedBuffersOutliveTheTableUntilReleased) {
  ArrowArray array{};
  {
    Table table = Table::from_columns({{"v", testing::int64s({1, 2, 3})}});
    export_batch(table.combine(), &array);
  }
  const int64_t* values = static_cast<const int64_t*>(array.children[0]->buffers[1]);
  EXPECT_EQ(values[2], 3);
  array.release(&array);
  EXPECT_EQ(array.release, nullptr);
}

TEST(ArrowC, StreamRoundTripsATableOfManyBatches) {
  ColumnBuilder builder(DataType::int64());
  for (int i = 0; i < 10'000; ++i) {
    i % 3 == 0 ? builder.append_null() : builder.append_int(i);
  }
  Table table = Table::from_columns({{"v", builder.finish()}}).rechunk(1'000);
  ArrowArrayStream stream{};
  export_table(table, &stream);
  Table back = import_table(&stream);
  EXPECT_EQ(stream.release, nullptr);
  EXPECT_EQ(back.batches().size(), 10u);
  EXPECT_EQ(back.num_rows(), 10'000);
  EXPECT_EQ(back.to_string(30), table.to_string(30));
  EXPECT_EQ(back.aggregate({sum(col("v")).alias("s")}).at(0, "s"),
            table.aggregate({sum(col("v")).alias("s")}).at(0, "s"));
}

TEST(ArrowC, EmptyTablesRoundTrip) {
  Table empty = every_type().filter("false");
  ArrowArrayStream stream{};
  export_table(empty, &stream);
  Table back = import_table(&stream);
  EXPECT_EQ(back.num_rows(), 0);
  EXPECT_EQ(back.schema()->names(), empty.schema()->names());
}

TEST(ArrowC, UnsupportedFormatsAreClearErrors) {
  ArrowSchema schema{};
  export_schema(*Table::from_columns({{"price", testing::int64s({1})}}).schema(), &schema);
  schema.children[0]->format = "d:10,2,256";
  EXPECT_THAT(
      message_of<SchemaError>([&] { import_schema(schema); }),
      HasSubstr("field \"price\" has Arrow format 'd:10,2,256', which setlpp does not import"));
  for (const char* bad : {"d:39,2", "d:10,11", "d:10", "d:x,2", "d:10,2,128,1"}) {
    schema.children[0]->format = bad;
    EXPECT_THAT(message_of<SchemaError>([&] { import_schema(schema); }), HasSubstr(bad));
  }
  schema.children[0]->format = "l";
  schema.release(&schema);
}

// A producer whose get_next fails, to check the error reaches the caller.
int failing_schema(ArrowArrayStream*, ArrowSchema* out) {
  export_schema(*Table::from_columns({{"v", testing::int64s({1})}}).schema(), out);
  return 0;
}
int failing_next(ArrowArrayStream*, ArrowArray*) {
  return 5;
}
const char* failing_error(ArrowArrayStream*) {
  return "disk on fire";
}
void failing_release(ArrowArrayStream* stream) {
  stream->release = nullptr;
}

TEST(ArrowC, StreamErrorsCarryTheProducersMessage) {
  ArrowArrayStream stream{failing_schema, failing_next, failing_error, failing_release, nullptr};
  EXPECT_THAT(message_of<IoError>([&] { return import_table(&stream); }),
              HasSubstr("Arrow stream get_next failed: disk on fire"));
  EXPECT_EQ(stream.release, nullptr);
}

}  // namespace
}  // namespace setl::engine
