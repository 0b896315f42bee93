// Dictionary-encoded strings from Parquet inside queries: a scan for the engine hands
// over codes into each chunk's dictionary, filters and casts run once per distinct string,
// group-bys and joins hash the dictionary, and every query answers exactly what the same
// query answers on plain strings (decoded on read) and on the table in memory.
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/memory_context.h"
#include "setl/engine/builder.h"
#include "setl/engine/functions.h"
#include "setl/engine/lazy_frame.h"
#include "setl/storage/parquet_connector.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::Column;
using engine::ColumnBuilder;
using engine::DataType;
using engine::LazyFrame;
using engine::parse_expr;
using engine::Table;
using ::testing::HasSubstr;
using testing::SameTableAs;
namespace fn = engine::fn;

// Few distinct strings (with NULLs and an empty string), numbers as text with one bad
// value, and one column with too many distinct strings for a dictionary.
Table sample(int64_t rows) {
  const char* cities[] = {"Paris", "Lyon", "", "Nice", "Lille", "Brest"};
  const char* codes[] = {"1", "22", "333", "x"};
  ColumnBuilder id(DataType::int64()), city(DataType::string()), code(DataType::string()),
      note(DataType::string()), amount(DataType::float64());
  for (int64_t i = 0; i < rows; ++i) {
    id.append_int(i);
    (i % 7 == 3) ? city.append_null() : city.append_string(cities[(i * 5 + i / 11) % 6]);
    code.append_string(codes[i % 13 == 0 ? 3 : i % 3]);
    note.append_string("note " + std::to_string(i * 7919 % 100'003));
    amount.append_double(static_cast<double>(i % 17) * 1.5);
  }
  return Table::from_columns({{"id", id.finish()},
                              {"city", city.finish()},
                              {"code", code.finish()},
                              {"note", note.finish()},
                              {"amount", amount.finish()}});
}

class DictionaryStrings : public ::testing::Test {
 protected:
  void SetUp() override {
    ParquetOptions options;
    options.row_group_rows = 1500;  // several row groups: a dictionary each
    options.page_rows = 400;
    auto writer = make_connector<ParquetConnector>(dir_.path() / "t.parquet", options);
    writer->write(table_, SaveMode::kOverwrite);
    options.keep_dictionary = true;
    encoded_ = make_connector<ParquetConnector>(dir_.path() / "t.parquet", options);
    options.keep_dictionary = false;
    plain_ = make_connector<ParquetConnector>(dir_.path() / "t.parquet", options);
  }

  // The query on dictionary-encoded strings, on decoded ones and in memory: all equal.
  void expect_same_everywhere(const std::function<LazyFrame(LazyFrame)>& query) {
    Table expected = query(LazyFrame::from(table_)).collect();
    Table from_plain = query(plain_->lazy()).collect();
    Table from_encoded = query(encoded_->lazy()).collect();
    EXPECT_THAT(from_plain, SameTableAs(expected));
    EXPECT_THAT(from_encoded, SameTableAs(expected)) << query(encoded_->lazy()).explain();
    for (const engine::RecordBatch& batch : from_encoded.batches()) {
      for (const engine::ColumnPtr& column : batch.columns()) {
        EXPECT_FALSE(column->is_dictionary()) << "a query's result is never encoded";
      }
    }
  }

  testing::TempDir dir_;
  Table table_ = sample(5000);
  std::shared_ptr<ParquetConnector> encoded_;
  std::shared_ptr<ParquetConnector> plain_;
};

TEST_F(DictionaryStrings, AnEngineScanHandsOverCodesAndOthersGetPlainStrings) {
  engine::ScanRequest request{{"city", "note"}, std::nullopt};
  request.dictionary_strings = true;
  auto stream = encoded_->scan_stream(request, engine::kDefaultBatchBytes);
  int64_t rows = 0;
  while (std::optional<engine::RecordBatch> batch = stream->next()) {
    const Column& city = *batch->column(0);
    ASSERT_TRUE(city.is_dictionary());
    EXPECT_LE(city.dictionary()->length(), 6);
    EXPECT_FALSE(batch->column(1)->is_dictionary()) << "too many distinct notes to encode";
    for (int64_t row = 0; row < batch->num_rows(); ++row) {
      EXPECT_EQ(city.scalar(row), table_.column("city")->scalar(rows + row));
    }
    rows += batch->num_rows();
  }
  EXPECT_EQ(rows, table_.num_rows());

  auto decoding = plain_->scan_stream(request, engine::kDefaultBatchBytes);
  EXPECT_FALSE(decoding->next()->column(0)->is_dictionary()) << "keep_dictionary = false";
  request.dictionary_strings = false;
  EXPECT_FALSE(encoded_->scan_stream(request, engine::kDefaultBatchBytes)
                   ->next()
                   ->column(0)
                   ->is_dictionary());
  EXPECT_FALSE(encoded_->read().column("city")->is_dictionary());
  EXPECT_FALSE(encoded_->lazy().stream()->next()->column(1)->is_dictionary());
}

TEST_F(DictionaryStrings, FiltersAgreeWithPlainStrings) {
  for (const char* predicate :
       {"city = 'Paris'", "city != 'Lyon'", "city in ('Nice', '', 'Brest')", "city like '%i%'",
        "city like 'L%' and amount > 3", "city is null", "city is null or code = 'x'",
        "not (city >= 'M')", "upper(city) = 'NICE'", "length(city) > 4 or city = ''",
        "coalesce(city, 'none') = 'none'", "concat(city, code) = 'Paris22'", "city = code",
        "substr(city, 1, 2) = 'Li'"}) {
    SCOPED_TRACE(predicate);
    expect_same_everywhere([&](LazyFrame frame) { return frame.filter(predicate); });
  }
}

TEST_F(DictionaryStrings, ProjectionsOfEncodedStringsAgree) {
  expect_same_everywhere([](LazyFrame frame) {
    return frame.select(
        {fn::col("id"), fn::upper(fn::col("city")).alias("upper"),
         fn::coalesce({fn::col("city"), fn::lit("?")}).alias("filled"),
         fn::length(fn::col("city")).alias("length"), parse_expr("city is null").alias("missing"),
         fn::concat({fn::col("city"), fn::lit("/"), fn::col("code")}).alias("both")});
  });
}

TEST_F(DictionaryStrings, GroupByAndDistinctAgree) {
  expect_same_everywhere([](LazyFrame frame) {
    return frame.group_by({"city"}).agg(
        {fn::count_all().alias("n"), fn::sum(fn::col("amount")).alias("total"),
         fn::min(fn::col("code")).alias("low"), fn::max(fn::col("code")).alias("high"),
         fn::count_distinct(fn::col("code")).alias("codes")});
  });
  expect_same_everywhere([](LazyFrame frame) {
    return frame.group_by({"code", "city"}).agg({fn::count_all().alias("n")});
  });
  expect_same_everywhere([](LazyFrame frame) {
    return frame.with_column("bucket", parse_expr("id % 3"))
        .group_by({"city", "bucket"})
        .agg({fn::count_all().alias("n")});
  });
  expect_same_everywhere([](LazyFrame frame) {
    return frame.with_column("upper", fn::upper(fn::col("city")))
        .group_by({"upper"})
        .agg({fn::count_all().alias("n")});
  });
  expect_same_everywhere([](LazyFrame frame) { return frame.select({"code", "city"}).distinct(); });
}

TEST_F(DictionaryStrings, JoinsSortsWindowsAndUnionsAgree) {
  expect_same_everywhere([](LazyFrame frame) {
    LazyFrame codes = frame.filter("id < 40").select({"code", "id"}).rename({{"id", "first_id"}});
    return frame.select({"id", "code"})
        .join(codes, "code")
        .sort({engine::asc("id"), engine::asc("first_id")});
  });
  expect_same_everywhere([](LazyFrame frame) {  // NULL cities never match
    LazyFrame cities = frame.filter("id < 30").select({"city", "id"}).rename({{"id", "seen"}});
    return frame.select({"id", "city"})
        .join(cities, "city")
        .sort({engine::asc("id"), engine::asc("seen")});
  });
  expect_same_everywhere([](LazyFrame frame) {
    return frame.sort({engine::desc("city"), engine::asc("id")}).limit(100, 20);
  });
  expect_same_everywhere([](LazyFrame frame) {
    return frame.with_column("rank", fn::row_number().over({{"city"}, {engine::asc("id")}}))
        .filter("rank <= 2")
        .sort({engine::asc("id")});
  });
  expect_same_everywhere([](LazyFrame frame) {
    return frame.filter("city = 'Nice'")
        .union_all(frame.filter("code = 'x'"))
        .select({"city", "code"});
  });
}

TEST_F(DictionaryStrings, AGroupByThatSpillsAgrees) {
  MemoryContextScope scope({.budget = memory::MemoryBudget::create(256 << 10),
                            .spill_dir = dir_.path() / "spill",
                            .batch_bytes = 16 << 10});
  expect_same_everywhere([](LazyFrame frame) {
    return frame.group_by({"note", "city"}).agg({fn::count_all().alias("n")});
  });
  expect_same_everywhere([](LazyFrame frame) {
    return frame.sort({engine::asc("city"), engine::asc("note")});
  });
}

TEST_F(DictionaryStrings, ACastFailsOnlyForValuesTheRowsHold) {
  // 'x' is in every dictionary of `code`, but the filter removed its rows: the cast runs
  // once per distinct string, fails on 'x', and is then done row by row, where it passes.
  expect_same_everywhere([](LazyFrame frame) {
    return frame.filter("code != 'x'").select({parse_expr("cast(code as int64)").alias("n")});
  });
  expect_same_everywhere([](LazyFrame frame) {
    return frame.select({parse_expr("try_cast(code as int64)").alias("n")});
  });
  try {
    (void)encoded_->lazy().select({parse_expr("cast(code as int64)").alias("n")}).collect();
    FAIL() << "expected the cast of 'x' to fail";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("'x'"));
  }
}

TEST(DictionaryColumn, ReadsThroughItsDictionaryAndChecksItsCodes) {
  ColumnBuilder words(DataType::string());
  for (const char* word : {"red", "", "blue"}) {
    words.append_string(word);
  }
  engine::ColumnPtr dictionary = words.finish();
  auto codes = engine::Buffer::allocate(5 * 4);
  int32_t values[] = {2, 0, 0, 1, 2};
  std::memcpy(codes->mutable_data(), values, sizeof(values));
  auto validity = engine::Buffer::allocate(1, true);
  for (int row : {0, 1, 3, 4}) {
    engine::set_bit(validity->mutable_data(), row, true);
  }
  engine::ColumnPtr column = Column::dictionary_encoded(dictionary, 5, codes, validity);
  EXPECT_TRUE(column->is_dictionary());
  EXPECT_EQ(column->null_count(), 1);
  EXPECT_EQ(column->string_value(0), "blue");
  EXPECT_EQ(column->scalar(2), engine::Scalar::null(DataType::string()));
  EXPECT_EQ(column->string_value(3), "");
  engine::ColumnPtr tail = column->slice(3, 2);
  EXPECT_TRUE(tail->is_dictionary());
  EXPECT_EQ(tail->string_value(1), "blue");
  EXPECT_EQ(tail->null_count(), 0);
  EXPECT_GE(column->memory_size(), dictionary->memory_size() + 20);

  values[4] = 3;  // past the dictionary's three strings
  std::memcpy(codes->mutable_data(), values, sizeof(values));
  EXPECT_THROW((void)Column::dictionary_encoded(dictionary, 5, codes), InternalError);
  EXPECT_THROW((void)Column::dictionary_encoded(column, 1, codes), InternalError)
      << "a dictionary is itself plain";
  EXPECT_THROW((void)Column::dictionary_encoded(dictionary, 6, codes), InternalError)
      << "fewer codes than rows";
}

}  // namespace
}  // namespace setl::storage
