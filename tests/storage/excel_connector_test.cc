// Excel workbooks: types both ways, sheets, data addresses, appends, hostile packages,
// and a cross-check with openpyxl (Debian's python3-openpyxl) in both directions.
#include "setl/storage/excel_connector.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zip.h>

#include "setl/core/error.h"
#include "setl/storage/connector_builder.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::Table;
using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

Table orders() {
  engine::ColumnBuilder stamps(engine::DataType::timestamp());
  stamps.append_int(1'709'296'215'250'000);  // 2024-03-01 12:30:15.25
  stamps.append_null();
  stamps.append_int(0);
  return Table::from_columns({
      {"id", testing::int64s({1, 2, 3})},
      {"customer", testing::strings({"Zoë", std::nullopt, "tab\tand \"quotes\" & <xml>"})},
      {"amount", testing::float64s({10.25, -3.5, std::nullopt})},
      {"paid", testing::bools({true, false, std::nullopt})},
      {"day", testing::dates({"2024-02-29", "1900-03-01", std::nullopt})},
      {"at", stamps.finish()},
  });
}

// A package of the given parts, to build workbooks no writer would.
void write_package(const std::filesystem::path& path,
                   const std::map<std::string, std::string>& parts) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  ASSERT_NE(archive, nullptr);
  for (const auto& [name, text] : parts) {
    zip_source_t* source = zip_source_buffer(archive, text.data(), text.size(), 0);
    ASSERT_GE(zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE), 0);
  }
  ASSERT_EQ(zip_close(archive), 0);
}

std::map<std::string, std::string> minimal_parts(const std::string& sheet_xml,
                                                 const std::string& shared = "") {
  std::map<std::string, std::string> parts = {
      {"xl/workbook.xml",
       "<workbook xmlns:r=\"r\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"
       "</sheets></workbook>"},
      {"xl/_rels/workbook.xml.rels",
       "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
       "</Relationships>"},
      {"xl/worksheets/sheet1.xml",
       "<worksheet><sheetData>" + sheet_xml + "</sheetData></worksheet>"},
  };
  if (!shared.empty()) {
    parts["xl/sharedStrings.xml"] = "<sst>" + shared + "</sst>";
  }
  return parts;
}

TEST(ExcelConnector, RoundTripsEveryTypeWithItsNulls) {
  testing::TempDir dir;
  auto book = make_connector<ExcelConnector>(dir.path() / "orders.xlsx");
  book->write(orders(), SaveMode::kOverwrite);
  Table back = book->read();
  EXPECT_EQ(back.schema()->to_string(),
            "id: int64, customer: string, amount: float64, paid: bool, day: date32, at: "
            "timestamp[us]");
  EXPECT_EQ(back.to_string(), orders().to_string());
  EXPECT_EQ(excel_sheet_names(dir.path() / "orders.xlsx"), std::vector<std::string>{"Sheet1"});
  // Lazy scans select columns.
  EXPECT_THAT(cells(book->lazy().filter("paid").select({"customer"}).collect(), "customer"),
              ElementsAre("Zoë"));
}

TEST(ExcelConnector, ColumnsOfMixedCellsAreTextAndHugeIntegersStayExact) {
  testing::TempDir dir;
  auto book =
      make_connector<ExcelConnector>(dir.path() / "mixed.xlsx", ExcelOptions{.sheet = "Data"});
  book->write(Table::from_columns({{"big", testing::int64s({9'007'199'254'740'993, 5})}}),
              SaveMode::kOverwrite);
  Table back = book->read();
  EXPECT_EQ(back.schema()->to_string(), "big: string");
  EXPECT_THAT(cells(back, "big"), ElementsAre("9007199254740993", "5"));
  auto strings = make_connector<ExcelConnector>(
      dir.path() / "mixed.xlsx", ExcelOptions{.sheet = "Data", .infer_schema = false});
  EXPECT_EQ(strings->schema()->to_string(), "big: string");
}

TEST(ExcelConnector, SheetsDataAddressesAndHeaderlessTables) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "report.xlsx";
  auto at_b3 = make_connector<ExcelConnector>(path, ExcelOptions{.data_address = "'Q1 ''24'!B3"});
  at_b3->write(orders().select({"id", "customer"}), SaveMode::kOverwrite);
  EXPECT_EQ(excel_sheet_names(path), std::vector<std::string>{"Q1 '24"});
  EXPECT_THAT(cells(at_b3->read(), "id"), ElementsAre("1", "2", "3"));
  // From A1 the table is not where the header is expected.
  auto from_a1 = make_connector<ExcelConnector>(path, ExcelOptions{.sheet = "Q1 '24"});
  EXPECT_THAT(message_of<ParseError>([&] { (void)from_a1->read(); }),
              HasSubstr("holds no table at A1"));
  auto raw = make_connector<ExcelConnector>(
      path, ExcelOptions{.data_address = "'Q1 ''24'!B4", .header = false});
  EXPECT_EQ(raw->schema()->to_string(), "_c0: int64, _c1: string");
  auto missing = make_connector<ExcelConnector>(path, ExcelOptions{.sheet = "Q2"});
  EXPECT_THAT(message_of<ParseError>([&] { (void)missing->read(); }),
              HasSubstr("has no sheet 'Q2' (sheets: 'Q1 '24')"));
  EXPECT_THAT(message_of<ConfigError>([&] {
                (void)make_connector<ExcelConnector>(path, ExcelOptions{.data_address = "B0"});
              }),
              HasSubstr("data address 'B0' is not a cell"));
  auto bad_name =
      make_connector<ExcelConnector>(dir.path() / "x.xlsx", ExcelOptions{.sheet = "a/b"});
  EXPECT_THROW(bad_name->write(orders(), SaveMode::kOverwrite), ConfigError);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.xlsx"));
}

TEST(ExcelConnector, AppendAddsRowsAndRefusesOtherColumns) {
  testing::TempDir dir;
  auto book = make_connector<ExcelConnector>(dir.path() / "log.xlsx");
  book->write(orders(), SaveMode::kOverwrite);
  book->write(orders(), SaveMode::kAppend);
  EXPECT_EQ(book->read().num_rows(), 6);
  EXPECT_THAT(
      message_of<SchemaError>([&] {
        book->write(Table::from_columns({{"other", testing::int64s({1})}}), SaveMode::kAppend);
      }),
      HasSubstr("it holds the columns"));
  EXPECT_EQ(book->read().num_rows(), 6);
}

TEST(ExcelConnector, ConfiguredWithSetlOptionNames) {
  testing::TempDir dir;
  make_connector<ExcelConnector>(dir.path() / "c.xlsx", ExcelOptions{.sheet = "Orders"})
      ->write(orders(), SaveMode::kOverwrite);
  Config config =
      Config::from_yaml("orders: {storage: EXCEL, path: " + (dir.path() / "c.xlsx").string() +
                            ", dataAddress: \"'Orders'!A1\", useHeader: \"true\"}\n",
                        "app.yaml");
  EXPECT_EQ(build_connector(config.section("orders"))->read().num_rows(), 3);
}

TEST(ExcelConnector, CorruptAndHostileWorkbooksAreClearErrors) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "bad.xlsx";
  auto book = make_connector<ExcelConnector>(path);
  std::ofstream(path) << "not a zip at all";
  EXPECT_THAT(message_of<ParseError>([&] { (void)book->read(); }),
              HasSubstr("is not an xlsx workbook"));

  // A valid zip cut short.
  book->write(orders(), SaveMode::kOverwrite);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  EXPECT_THROW((void)book->read(), ParseError);

  struct Case {
    std::map<std::string, std::string> parts;
    const char* message;
  };
  std::vector<Case> cases = {
      {minimal_parts("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>7</v></c></row>", "<si><t>x</t></si>"),
       "names shared string '7', which does not exist"},
      {minimal_parts("<row r=\"1\"><c r=\"A99999999\"><v>1</v></c></row>"),
       "cell reference 'A99999999' is not valid here"},
      {minimal_parts("<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>2</v></c></row>"),
       "cell reference 'A1' is not valid here"},
      {minimal_parts("<row r=\"1\"><c r=\"A1\"><v>1e999</v></c></row>"), "is not a number"},
      {minimal_parts("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"
                     "<row r=\"0\"><c><v>1</v></c></row>"),
       "row number '0' is not valid here"},
      {minimal_parts("<row r=\"1\"><c r=\"A1\"><v>1"), "line 1"},  // cut short
  };
  // An entity expansion bomb never gets past the DOCTYPE.
  std::map<std::string, std::string> bomb = minimal_parts("");
  bomb["xl/workbook.xml"] =
      "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
      "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><workbook><sheets><sheet name=\"&b;\" "
      "r:id=\"rId1\"/></sheets></workbook>";
  cases.push_back({bomb, "declares a DOCTYPE"});
  std::string deep;
  for (int i = 0; i < 100; ++i) {
    deep += "<x>";
  }
  cases.push_back({minimal_parts(deep), "nests elements deeper than 64"});
  std::map<std::string, std::string> no_workbook = minimal_parts("");
  no_workbook.erase("xl/workbook.xml");
  cases.push_back({no_workbook, "it has no xl/workbook.xml"});

  for (const Case& c : cases) {
    write_package(path, c.parts);
    EXPECT_THAT(message_of<ParseError>([&] { (void)book->read(); }), HasSubstr(c.message))
        << c.message;
  }
}

TEST(ExcelConnector, SparseCellsFarAwayAreRefusedBeforeAllocating) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "sparse.xlsx";
  write_package(path, minimal_parts("<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"XFD1\"><v>1</v>"
                                    "</c></row><row r=\"1048576\"><c r=\"A1048576\"><v>2</v></c>"
                                    "</row>"));
  auto book = make_connector<ExcelConnector>(path, ExcelOptions{.header = false});
  EXPECT_THAT(message_of<ResourceError>([&] { (void)book->read(); }),
              HasSubstr("rows of 16384 columns, more than"));
}

std::string run(const std::string& command) {
  testing::TempDir dir;
  std::filesystem::path out = dir.path() / "out.txt";
  int status = std::system((command + " > '" + out.string() + "' 2>&1").c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(status, 0) << command << "\n" << text.str();
  return text.str();
}

std::string peer() {
  std::string python = SETL_OPENPYXL_PYTHON;
  EXPECT_THAT(python, ::testing::Not(HasSubstr("NOTFOUND")))
      << "no python3 with openpyxl on PATH: install Debian's python3-openpyxl";
  return "'" + python + "' '" + SETL_OPENPYXL_PEER + "'";
}

TEST(ExcelConnector, OpenpyxlReadsWhatWeWrite) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "ours.xlsx";
  make_connector<ExcelConnector>(path, ExcelOptions{.sheet = "Orders"})
      ->write(orders(), SaveMode::kOverwrite);
  EXPECT_EQ(run(peer() + " read '" + path.string() + "' Orders"),
            "text:id\ttext:customer\ttext:amount\ttext:paid\ttext:day\ttext:at\n"
            "number:1\ttext:Zoë\tnumber:10.25\tbool:TRUE\tdatetime:2024-02-29T00:00:00\t"
            "datetime:2024-03-01T12:30:15.250000\n"
            "number:2\t<empty>\tnumber:-3.5\tbool:FALSE\tdatetime:1900-03-01T00:00:00\t<empty>\n"
            "number:3\ttext:tab\tand \"quotes\" & <xml>\t<empty>\t<empty>\t<empty>\t"
            "datetime:1970-01-01T00:00:00\n");
}

TEST(ExcelConnector, WeReadWhatOpenpyxlWrites) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "theirs.xlsx";
  run(peer() + " write '" + path.string() + "'");
  EXPECT_EQ(excel_sheet_names(path), (std::vector<std::string>{"Orders", "Notes"}));
  Table table = make_connector<ExcelConnector>(path)->read();
  EXPECT_EQ(table.schema()->to_string(),
            "id: int64, customer: string, amount: float64, paid: bool, day: date32, at: "
            "timestamp[us]");
  EXPECT_THAT(cells(table, "customer"), ElementsAre("Zoë", "Bob & <Co>", "null"));
  EXPECT_THAT(cells(table, "amount"), ElementsAre("10.25", "3", "null"));
  EXPECT_THAT(cells(table, "day"), ElementsAre("2024-02-29", "1999-12-31", "null"));
  EXPECT_THAT(cells(table, "at"),
              ElementsAre("2024-03-01 12:30:15", "1970-01-01 00:00:00", "null"));
  EXPECT_THAT(
      cells(make_connector<ExcelConnector>(path, ExcelOptions{.sheet = "Notes"})->read(), "note"),
      ElementsAre("second sheet"));
}

}  // namespace
}  // namespace setl::storage
