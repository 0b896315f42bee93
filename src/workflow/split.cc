#include "setl/workflow/split.h"

#include <cmath>
#include <optional>
#include <set>

#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/expr.h"
#include "setl/workflow/pipeline.h"

namespace setl::workflow {
namespace {

// FNV-1a then splitmix64's finaliser: fixed, portable and well spread.
uint64_t stable_hash(const std::string& split, const std::string& key) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  auto add = [&hash](unsigned char byte) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  };
  for (char c : split) {
    add(static_cast<unsigned char>(c));
  }
  add(0x1f);
  for (char c : key) {
    add(static_cast<unsigned char>(c));
  }
  hash += 0x9e3779b97f4a7c15ULL;
  hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ULL;
  hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebULL;
  return hash ^ (hash >> 31);
}

}  // namespace

size_t split_variant(const std::string& split, const std::string& key,
                     const std::vector<SplitVariant>& variants) {
  double point = static_cast<double>(stable_hash(split, key) >> 11) * 0x1.0p-53;  // [0, 1)
  double boundary = 0;
  for (size_t v = 0; v < variants.size(); ++v) {
    boundary += variants[v].share;
    if (point < boundary) {
      return v;
    }
  }
  return variants.size() - 1;  // rounding at the top end
}

namespace detail {

void check_split(const std::string& split, const SplitOptions& options) {
  auto fail = [&](const std::string& why) { throw ConfigError("split '" + split + "': " + why); };
  if (options.key.empty()) {
    fail("needs a key column");
  }
  if (options.variants.empty()) {
    fail("needs at least one variant");
  }
  double total = 0;
  std::set<std::string> names;
  for (const SplitVariant& variant : options.variants) {
    if (variant.name.empty() || !names.insert(variant.name).second) {
      fail("variant names must be distinct and not empty ('" + variant.name + "')");
    }
    if (!(variant.share > 0 && variant.share <= 1)) {
      fail("variant '" + variant.name + "' has share " + std::to_string(variant.share) +
           "; a share is in (0, 1]");
    }
    total += variant.share;
  }
  if (std::abs(total - 1) > 1e-9) {
    fail("the shares add up to " + std::to_string(total) + ", not 1");
  }
}

SplitTables split_table(const std::string& split, const engine::Table& table,
                        const SplitOptions& options) {
  if (!table.schema()->find(options.key)) {
    throw SchemaError("split '" + split + "': the input has no key column \"" + options.key + "\"");
  }
  engine::ColumnPtr keys = table.column(options.key);
  engine::ColumnBuilder variant_of(engine::DataType::int64(), table.num_rows());
  engine::ColumnBuilder variant_names(engine::DataType::string(), table.num_rows());
  for (int64_t row = 0; row < table.num_rows(); ++row) {
    size_t variant = split_variant(split, keys->scalar(row).to_string(), options.variants);
    variant_of.append_int(static_cast<int64_t>(variant));
    variant_names.append_string(options.variants[variant].name);
  }
  constexpr const char* kVariantColumn = "__setl_variant";
  std::vector<std::pair<std::string, engine::ColumnPtr>> columns;
  for (const engine::Field& field : table.schema()->fields()) {
    columns.emplace_back(field.name, table.column(field.name));
  }
  columns.emplace_back(kVariantColumn, variant_of.finish());
  engine::Table routed = engine::Table::from_columns(std::move(columns));
  SplitTables result;
  for (size_t v = 0; v < options.variants.size(); ++v) {
    result.parts.push_back(routed.filter(engine::col(kVariantColumn) == static_cast<int64_t>(v))
                               .drop({kVariantColumn}));
  }
  result.audit =
      engine::Table::from_columns({{options.key, keys}, {"variant", variant_names.finish()}});
  return result;
}

}  // namespace detail
}  // namespace setl::workflow

namespace setl::workflow {
namespace {

using detail::SplitTables;

class SplitFactory : public Factory<SplitTables> {
 public:
  SplitFactory(std::string name, SplitOptions options)
      : options_(std::move(options)), input_(this, options_.input) {
    set_name(std::move(name));
    set_reads_only_deliveries();
  }
  SplitTables process() override { return detail::split_table(name(), *input_, options_); }
  std::string cache_parameters() const override {
    std::string text = "key=" + options_.key;
    for (const SplitVariant& variant : options_.variants) {
      text += ";" + variant.name + "=" + std::to_string(variant.share);
    }
    return text;
  }

 private:
  SplitOptions options_;
  Delivery<engine::Table> input_;
};

// One part of a split: a variant's rows (index < variants) or the audit table.
class SplitPart : public Factory<engine::Table> {
 public:
  SplitPart(const std::string& split, const std::string& part, std::optional<size_t> variant)
      : variant_(variant), tables_(this, {.producer = split}) {
    set_name(split + "." + part);
    set_delivery_id(split + "." + part);
    set_reads_only_deliveries();
  }
  engine::Table process() override {
    return variant_ ? tables_->parts.at(*variant_) : tables_->audit;
  }
  std::string cache_parameters() const override {
    return variant_ ? std::to_string(*variant_) : "audit";
  }

 private:
  std::optional<size_t> variant_;
  Delivery<SplitTables> tables_;
};

}  // namespace

void Pipeline::add_split(std::string name, SplitOptions options) {
  detail::check_split(name, options);
  for (size_t v = 0; v < options.variants.size(); ++v) {
    add(std::make_unique<SplitPart>(name, options.variants[v].name, v));
  }
  add(std::make_unique<SplitPart>(name, "audit", std::nullopt));
  add(std::make_unique<SplitFactory>(name, std::move(options)));
}

}  // namespace setl::workflow
