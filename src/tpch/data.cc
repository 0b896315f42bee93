#include "setl/tpch/data.h"

#include <array>
#include <atomic>
#include <cmath>
#include <fstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "setl/engine/scalar.h"

namespace setl::tpch {
namespace {

using engine::ColumnBuilder;
using engine::DataType;
using engine::Table;

// splitmix64: small, fast and good enough for synthetic data.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [low, high].
  int64_t between(int64_t low, int64_t high) {
    return low + static_cast<int64_t>(next() % static_cast<uint64_t>(high - low + 1));
  }
  template <size_t N>
  const char* pick(const std::array<const char*, N>& values) {
    return values[next() % N];
  }

 private:
  uint64_t state_;
};

constexpr std::array<const char*, 5> kRegions = {"AFRICA", "AMERICA", "ASIA", "EUROPE",
                                                 "MIDDLE EAST"};
struct NationSpec {
  const char* name;
  int region;
};
constexpr std::array<NationSpec, 25> kNations = {{
    {"ALGERIA", 0},       {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1},
    {"EGYPT", 4},         {"ETHIOPIA", 0},  {"FRANCE", 3}, {"GERMANY", 3},
    {"INDIA", 2},         {"INDONESIA", 2}, {"IRAN", 4},   {"IRAQ", 4},
    {"JAPAN", 2},         {"JORDAN", 4},    {"KENYA", 0},  {"MOROCCO", 0},
    {"MOZAMBIQUE", 0},    {"PERU", 1},      {"CHINA", 2},  {"ROMANIA", 3},
    {"SAUDI ARABIA", 4},  {"VIETNAM", 2},   {"RUSSIA", 3}, {"UNITED KINGDOM", 3},
    {"UNITED STATES", 1},
}};
constexpr std::array<const char*, 5> kSegments = {"AUTOMOBILE", "BUILDING", "FURNITURE",
                                                  "MACHINERY", "HOUSEHOLD"};
constexpr std::array<const char*, 5> kPriorities = {"1-URGENT", "2-HIGH", "3-MEDIUM",
                                                    "4-NOT SPECIFIED", "5-LOW"};
constexpr std::array<const char*, 4> kInstructions = {"DELIVER IN PERSON", "COLLECT COD", "NONE",
                                                      "TAKE BACK RETURN"};
constexpr std::array<const char*, 7> kShipModes = {"REG AIR", "AIR",  "RAIL", "SHIP",
                                                   "TRUCK",   "MAIL", "FOB"};
constexpr std::array<const char*, 6> kTypeSize = {"STANDARD", "SMALL",   "MEDIUM",
                                                  "LARGE",    "ECONOMY", "PROMO"};
constexpr std::array<const char*, 5> kTypeFinish = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED",
                                                    "BRUSHED"};
constexpr std::array<const char*, 5> kTypeMaterial = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
constexpr std::array<const char*, 5> kContainerSize = {"SM", "LG", "MED", "JUMBO", "WRAP"};
constexpr std::array<const char*, 8> kContainerKind = {"CASE", "BOX",  "BAG", "JAR",
                                                       "PKG",  "PACK", "CAN", "DRUM"};
// The 92 words P_NAME is built from (TPC-H 4.2.3).
constexpr std::array<const char*, 92> kColors = {
    "almond",   "antique",   "aquamarine", "azure",      "beige",     "bisque",    "black",
    "blanched", "blue",      "blush",      "brown",      "burlywood", "burnished", "chartreuse",
    "chiffon",  "chocolate", "coral",      "cornflower", "cornsilk",  "cream",     "cyan",
    "dark",     "deep",      "dim",        "dodger",     "drab",      "firebrick", "floral",
    "forest",   "frosted",   "gainsboro",  "ghost",      "goldenrod", "green",     "grey",
    "honeydew", "hot",       "indian",     "ivory",      "khaki",     "lace",      "lavender",
    "lawn",     "lemon",     "light",      "lime",       "linen",     "magenta",   "maroon",
    "medium",   "metallic",  "midnight",   "mint",       "misty",     "moccasin",  "navajo",
    "navy",     "olive",     "orange",     "orchid",     "pale",      "papaya",    "peach",
    "peru",     "pink",      "plum",       "powder",     "puff",      "purple",    "red",
    "rose",     "rosy",      "royal",      "saddle",     "salmon",    "sandy",     "seashell",
    "sienna",   "sky",       "slate",      "smoke",      "snow",      "spring",    "steel",
    "tan",      "thistle",   "tomato",     "turquoise",  "violet",    "wheat",     "white",
    "yellow"};
// Comment text: a small vocabulary including the words queries search for.
constexpr std::array<const char*, 24> kWords = {
    "furiously", "quickly",  "carefully", "blithely", "slyly",       "fluffily",
    "final",     "ironic",   "regular",   "express",  "pending",     "special",
    "requests",  "deposits", "accounts",  "packages", "theodolites", "pinto",
    "beans",     "foxes",    "ideas",     "sleep",    "wake",        "haggle"};

const int32_t kStartDate = engine::days_from_civil(1992, 1, 1);
const int32_t kCurrentDate = engine::days_from_civil(1995, 6, 17);
const int32_t kEndDate = engine::days_from_civil(1998, 12, 31);

std::string comment(Random& random, int min_length, int max_length) {
  int64_t target = random.between(min_length, max_length);
  std::string text;
  while (static_cast<int64_t>(text.size()) < target) {
    if (!text.empty()) {
      text += ' ';
    }
    text += random.pick(kWords);
  }
  text.resize(static_cast<size_t>(target));
  return text;
}

std::string phone(Random& random, int64_t nation) {
  return fmt::format("{}-{}-{}-{}", nation + 10, random.between(100, 999), random.between(100, 999),
                     random.between(1000, 9999));
}

// Money, quantities and rates are decimal(15,2), as DuckDB's dbgen and most engines load
// TPC-H; values are generated as exact cents.
const DataType kMoney = DataType::decimal(15, 2);

int64_t money_cents(Random& random, int64_t low_cents, int64_t high_cents) {
  return random.between(low_cents, high_cents);
}

int64_t retail_price_cents(int64_t part) {
  return 90000 + ((part / 10) % 20001) + 100 * (part % 1000);
}

// The four suppliers of a part (TPC-H 4.2.3, PS_SUPPKEY).
int64_t part_supplier(int64_t part, int64_t index, int64_t suppliers) {
  return (part + index * (suppliers / 4 + (part - 1) / suppliers)) % suppliers + 1;
}

Table region_table() {
  ColumnBuilder key(DataType::int64()), name(DataType::string()), note(DataType::string());
  Random random(7);
  for (int64_t i = 0; i < 5; ++i) {
    key.append_int(i);
    name.append_string(kRegions[static_cast<size_t>(i)]);
    note.append_string(comment(random, 31, 115));
  }
  return Table::from_columns(
      {{"r_regionkey", key.finish()}, {"r_name", name.finish()}, {"r_comment", note.finish()}});
}

Table nation_table() {
  ColumnBuilder key(DataType::int64()), name(DataType::string()), region(DataType::int64()),
      note(DataType::string());
  Random random(11);
  for (int64_t i = 0; i < 25; ++i) {
    key.append_int(i);
    name.append_string(kNations[static_cast<size_t>(i)].name);
    region.append_int(kNations[static_cast<size_t>(i)].region);
    note.append_string(comment(random, 31, 114));
  }
  return Table::from_columns({{"n_nationkey", key.finish()},
                              {"n_name", name.finish()},
                              {"n_regionkey", region.finish()},
                              {"n_comment", note.finish()}});
}

Table supplier_table(int64_t count, uint64_t seed) {
  ColumnBuilder key(DataType::int64()), name(DataType::string()), address(DataType::string()),
      nation(DataType::int64()), phone_column(DataType::string()), balance(kMoney),
      note(DataType::string());
  Random random(seed * 31 + 1);
  for (int64_t i = 1; i <= count; ++i) {
    int64_t nation_key = random.between(0, 24);
    key.append_int(i);
    name.append_string(fmt::format("Supplier#{:09}", i));
    address.append_string(comment(random, 10, 40));
    nation.append_int(nation_key);
    phone_column.append_string(phone(random, nation_key));
    balance.append_decimal(money_cents(random, -99999, 999999));
    // A few suppliers carry the complaint text some TPC-H queries look for.
    note.append_string(random.between(0, 1999) == 0
                           ? "Customer Complaints " + comment(random, 10, 40)
                           : comment(random, 25, 100));
  }
  return Table::from_columns({{"s_suppkey", key.finish()},
                              {"s_name", name.finish()},
                              {"s_address", address.finish()},
                              {"s_nationkey", nation.finish()},
                              {"s_phone", phone_column.finish()},
                              {"s_acctbal", balance.finish()},
                              {"s_comment", note.finish()}});
}

Table customer_table(int64_t count, uint64_t seed) {
  ColumnBuilder key(DataType::int64()), name(DataType::string()), address(DataType::string()),
      nation(DataType::int64()), phone_column(DataType::string()), balance(kMoney),
      segment(DataType::string()), note(DataType::string());
  Random random(seed * 37 + 2);
  for (int64_t i = 1; i <= count; ++i) {
    int64_t nation_key = random.between(0, 24);
    key.append_int(i);
    name.append_string(fmt::format("Customer#{:09}", i));
    address.append_string(comment(random, 10, 40));
    nation.append_int(nation_key);
    phone_column.append_string(phone(random, nation_key));
    balance.append_decimal(money_cents(random, -99999, 999999));
    segment.append_string(random.pick(kSegments));
    note.append_string(comment(random, 29, 116));
  }
  return Table::from_columns({{"c_custkey", key.finish()},
                              {"c_name", name.finish()},
                              {"c_address", address.finish()},
                              {"c_nationkey", nation.finish()},
                              {"c_phone", phone_column.finish()},
                              {"c_acctbal", balance.finish()},
                              {"c_mktsegment", segment.finish()},
                              {"c_comment", note.finish()}});
}

Table part_table(int64_t count, uint64_t seed) {
  ColumnBuilder key(DataType::int64()), name(DataType::string()), mfgr(DataType::string()),
      brand(DataType::string()), type(DataType::string()), size(DataType::int64()),
      container(DataType::string()), price(kMoney), note(DataType::string());
  Random random(seed * 41 + 3);
  for (int64_t i = 1; i <= count; ++i) {
    std::string words;
    for (int w = 0; w < 5; ++w) {
      words += (w ? " " : "") + std::string(random.pick(kColors));
    }
    int64_t manufacturer = random.between(1, 5);
    key.append_int(i);
    name.append_string(words);
    mfgr.append_string(fmt::format("Manufacturer#{}", manufacturer));
    brand.append_string(fmt::format("Brand#{}{}", manufacturer, random.between(1, 5)));
    type.append_string(fmt::format("{} {} {}", random.pick(kTypeSize), random.pick(kTypeFinish),
                                   random.pick(kTypeMaterial)));
    size.append_int(random.between(1, 50));
    container.append_string(
        fmt::format("{} {}", random.pick(kContainerSize), random.pick(kContainerKind)));
    price.append_decimal(retail_price_cents(i));
    note.append_string(comment(random, 5, 22));
  }
  return Table::from_columns({{"p_partkey", key.finish()},
                              {"p_name", name.finish()},
                              {"p_mfgr", mfgr.finish()},
                              {"p_brand", brand.finish()},
                              {"p_type", type.finish()},
                              {"p_size", size.finish()},
                              {"p_container", container.finish()},
                              {"p_retailprice", price.finish()},
                              {"p_comment", note.finish()}});
}

Table partsupp_table(int64_t parts, int64_t suppliers, uint64_t seed) {
  ColumnBuilder part(DataType::int64()), supplier(DataType::int64()), quantity(DataType::int64()),
      cost(kMoney), note(DataType::string());
  Random random(seed * 43 + 4);
  for (int64_t p = 1; p <= parts; ++p) {
    for (int64_t i = 0; i < 4; ++i) {
      part.append_int(p);
      supplier.append_int(part_supplier(p, i, suppliers));
      quantity.append_int(random.between(1, 9999));
      cost.append_decimal(money_cents(random, 100, 100000));
      note.append_string(comment(random, 49, 198));
    }
  }
  return Table::from_columns({{"ps_partkey", part.finish()},
                              {"ps_suppkey", supplier.finish()},
                              {"ps_availqty", quantity.finish()},
                              {"ps_supplycost", cost.finish()},
                              {"ps_comment", note.finish()}});
}

struct OrderChunk {
  engine::RecordBatch orders;
  engine::RecordBatch lineitem;
};

// Orders [first, last] and their line items, from a chunk-specific random stream so the
// result does not depend on which thread builds which chunk.
OrderChunk order_chunk(int64_t first, int64_t last, int64_t customers, int64_t parts,
                       int64_t suppliers, int64_t clerks, uint64_t seed,
                       const engine::SchemaPtr& order_schema,
                       const engine::SchemaPtr& line_schema) {
  Random random(seed * 1'000'003 + static_cast<uint64_t>(first));
  int64_t count = last - first + 1;
  ColumnBuilder o_key(DataType::int64(), count), o_cust(DataType::int64(), count),
      o_status(DataType::string(), count), o_total(kMoney, count),
      o_date(DataType::date32(), count), o_priority(DataType::string(), count),
      o_clerk(DataType::string(), count), o_ship(DataType::int64(), count),
      o_comment(DataType::string(), count);
  int64_t lines_hint = count * 4;
  ColumnBuilder l_order(DataType::int64(), lines_hint), l_part(DataType::int64(), lines_hint),
      l_supp(DataType::int64(), lines_hint), l_number(DataType::int64(), lines_hint),
      l_quantity(kMoney, lines_hint), l_price(kMoney, lines_hint), l_discount(kMoney, lines_hint),
      l_tax(kMoney, lines_hint), l_return(DataType::string(), lines_hint),
      l_status(DataType::string(), lines_hint), l_ship(DataType::date32(), lines_hint),
      l_commit(DataType::date32(), lines_hint), l_receipt(DataType::date32(), lines_hint),
      l_instruct(DataType::string(), lines_hint), l_mode(DataType::string(), lines_hint),
      l_comment(DataType::string(), lines_hint);
  for (int64_t index = first; index <= last; ++index) {
    // Order keys are sparse, as in TPC-H: 8 used out of every 32.
    int64_t key = (index - 1) / 8 * 32 + (index - 1) % 8 + 1;
    int64_t customer = random.between(1, customers);
    while (customer % 3 == 0) {  // a third of the customers never order
      customer = random.between(1, customers);
    }
    int32_t date = static_cast<int32_t>(random.between(kStartDate, kEndDate - 151));
    int64_t lines = random.between(1, 7);
    int64_t total = 0;  // at scale 6: cents times (100 + tax) times (100 - discount)
    int open = 0;
    for (int64_t line = 1; line <= lines; ++line) {
      int64_t part = random.between(1, parts);
      int64_t supplier = part_supplier(part, random.between(0, 3), suppliers);
      int64_t quantity = random.between(1, 50);
      int64_t price = quantity * retail_price_cents(part);
      int64_t discount = random.between(0, 10);  // hundredths
      int64_t tax = random.between(0, 8);
      int32_t ship = date + static_cast<int32_t>(random.between(1, 121));
      int32_t commit = date + static_cast<int32_t>(random.between(30, 90));
      int32_t receipt = ship + static_cast<int32_t>(random.between(1, 30));
      bool shipped = ship <= kCurrentDate;
      open += shipped ? 0 : 1;
      total += price * (100 + tax) * (100 - discount);
      l_order.append_int(key);
      l_part.append_int(part);
      l_supp.append_int(supplier);
      l_number.append_int(line);
      l_quantity.append_decimal(quantity * 100);
      l_price.append_decimal(price);
      l_discount.append_decimal(discount);
      l_tax.append_decimal(tax);
      l_return.append_string(receipt <= kCurrentDate ? (random.between(0, 1) ? "R" : "A") : "N");
      l_status.append_string(shipped ? "F" : "O");
      l_ship.append_int(ship);
      l_commit.append_int(commit);
      l_receipt.append_int(receipt);
      l_instruct.append_string(random.pick(kInstructions));
      l_mode.append_string(random.pick(kShipModes));
      l_comment.append_string(comment(random, 10, 43));
    }
    o_key.append_int(key);
    o_cust.append_int(customer);
    o_status.append_string(open == 0 ? "F" : open == lines ? "O" : "P");
    o_total.append_decimal((total + 5'000) / 10'000);  // to cents, half up (total >= 0)
    o_date.append_int(date);
    o_priority.append_string(random.pick(kPriorities));
    o_clerk.append_string(fmt::format("Clerk#{:09}", random.between(1, clerks)));
    o_ship.append_int(0);
    o_comment.append_string(random.between(0, 99) < 2 ? "special requests " + comment(random, 5, 60)
                                                      : comment(random, 19, 78));
  }
  engine::RecordBatch orders(order_schema, {o_key.finish(), o_cust.finish(), o_status.finish(),
                                            o_total.finish(), o_date.finish(), o_priority.finish(),
                                            o_clerk.finish(), o_ship.finish(), o_comment.finish()});
  engine::RecordBatch lineitem(
      line_schema, {l_order.finish(), l_part.finish(), l_supp.finish(), l_number.finish(),
                    l_quantity.finish(), l_price.finish(), l_discount.finish(), l_tax.finish(),
                    l_return.finish(), l_status.finish(), l_ship.finish(), l_commit.finish(),
                    l_receipt.finish(), l_instruct.finish(), l_mode.finish(), l_comment.finish()});
  return {std::move(orders), std::move(lineitem)};
}

engine::SchemaPtr schema_of(std::vector<std::pair<const char*, DataType>> columns) {
  std::vector<engine::Field> fields;
  for (auto& [name, type] : columns) {
    fields.push_back({name, type, true});
  }
  return std::make_shared<engine::Schema>(std::move(fields));
}

}  // namespace

Tables generate(const GenerateOptions& options) {
  double sf = options.scale_factor;
  if (!(sf > 0 && sf <= 100)) {
    throw StateError("TPC-H scale factor must be in (0, 100], got " + std::to_string(sf));
  }
  auto scaled = [&](double base) {
    return std::max<int64_t>(1, static_cast<int64_t>(std::llround(base * sf)));
  };
  int64_t suppliers = std::max<int64_t>(4, scaled(10'000));
  int64_t customers = scaled(150'000);
  int64_t parts = scaled(200'000);
  int64_t orders = scaled(1'500'000);
  int64_t clerks = std::max<int64_t>(1, scaled(1'000));

  Tables tables;
  tables.region = region_table();
  tables.nation = nation_table();
  tables.supplier = supplier_table(suppliers, options.seed);
  tables.customer = customer_table(customers, options.seed);
  tables.part = part_table(parts, options.seed);
  tables.partsupp = partsupp_table(parts, suppliers, options.seed);

  auto order_schema = schema_of({{"o_orderkey", DataType::int64()},
                                 {"o_custkey", DataType::int64()},
                                 {"o_orderstatus", DataType::string()},
                                 {"o_totalprice", kMoney},
                                 {"o_orderdate", DataType::date32()},
                                 {"o_orderpriority", DataType::string()},
                                 {"o_clerk", DataType::string()},
                                 {"o_shippriority", DataType::int64()},
                                 {"o_comment", DataType::string()}});
  auto line_schema = schema_of({{"l_orderkey", DataType::int64()},
                                {"l_partkey", DataType::int64()},
                                {"l_suppkey", DataType::int64()},
                                {"l_linenumber", DataType::int64()},
                                {"l_quantity", kMoney},
                                {"l_extendedprice", kMoney},
                                {"l_discount", kMoney},
                                {"l_tax", kMoney},
                                {"l_returnflag", DataType::string()},
                                {"l_linestatus", DataType::string()},
                                {"l_shipdate", DataType::date32()},
                                {"l_commitdate", DataType::date32()},
                                {"l_receiptdate", DataType::date32()},
                                {"l_shipinstruct", DataType::string()},
                                {"l_shipmode", DataType::string()},
                                {"l_comment", DataType::string()}});
  constexpr int64_t kOrdersPerChunk = 16'384;
  int64_t chunks = (orders + kOrdersPerChunk - 1) / kOrdersPerChunk;
  std::vector<OrderChunk> built(static_cast<size_t>(chunks));
  std::vector<std::thread> workers;
  std::atomic<int64_t> next{0};
  int threads = std::max(1, engine::num_threads());
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int64_t chunk = next++; chunk < chunks; chunk = next++) {
        int64_t first = chunk * kOrdersPerChunk + 1;
        int64_t last = std::min(orders, first + kOrdersPerChunk - 1);
        built[static_cast<size_t>(chunk)] =
            order_chunk(first, last, customers, parts, suppliers, clerks, options.seed,
                        order_schema, line_schema);
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  std::vector<engine::RecordBatch> order_batches;
  std::vector<engine::RecordBatch> line_batches;
  for (OrderChunk& chunk : built) {
    order_batches.push_back(std::move(chunk.orders));
    line_batches.push_back(std::move(chunk.lineitem));
  }
  tables.orders = Table(order_schema, std::move(order_batches));
  tables.lineitem = Table(line_schema, std::move(line_batches));
  return tables;
}

void write_tbl(const Tables& tables, const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    throw IoError("cannot create " + directory.string() + ": " + error.message());
  }
  const std::pair<const char*, const Table*> files[] = {
      {"region", &tables.region},     {"nation", &tables.nation},    {"supplier", &tables.supplier},
      {"customer", &tables.customer}, {"part", &tables.part},        {"partsupp", &tables.partsupp},
      {"orders", &tables.orders},     {"lineitem", &tables.lineitem}};
  for (const auto& [name, table] : files) {
    std::filesystem::path target = directory / (std::string(name) + ".tbl");
    std::filesystem::path temporary = directory / ("." + std::string(name) + ".tbl.tmp");
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      std::string line;
      for (const engine::RecordBatch& batch : table->batches()) {
        for (int64_t row = 0; row < batch.num_rows(); ++row) {
          line.clear();
          for (const engine::ColumnPtr& column : batch.columns()) {
            line += column->scalar(row).to_display();
            line += '|';
          }
          line += '\n';
          out << line;
        }
      }
      if (!out.flush()) {
        throw IoError("cannot write " + temporary.string());
      }
    }
    std::filesystem::rename(temporary, target, error);
    if (error) {
      throw IoError("cannot rename " + temporary.string() + " to " + target.string() + ": " +
                    error.message());
    }
  }
}

}  // namespace setl::tpch
