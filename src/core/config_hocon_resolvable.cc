// What cpp-hocon's resolver would recurse on until the stack overflows
// (config_hocon_scan.h), found in the scanned fields first.
//
// It misses some substitution cycles, for example when an optional substitution stands
// before the reference that closes the cycle (`a = ${?X} ${a}`). Cycles are found here
// with the specification's look-back rule: a substitution that comes back to a field
// being resolved falls back to what was assigned to that path before it
// (`path = ${path}":/bin"`), and is a cycle when nothing was or when it stands inside an
// object or list. The search starts from every field, so a cycle through several fields
// passes only if each of them has an earlier value; cpp-hocon refuses the others too
// (`bar = 10, foo = ${bar}, bar = ${foo}` is a cycle to it).
//
// The search walks only fields that hold substitutions, at most kMaxSubstitutions of
// them, so its depth is bounded; its length is bounded by kMaxCycleSteps.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "config_hocon_scan.h"
#include "setl/core/error.h"

namespace setl::config_detail {
namespace {

constexpr int64_t kMaxCycleSteps = 1'000'000;
constexpr int kMaxIncludeNesting = 32;

bool is_prefix(std::string_view prefix, std::string_view path) {
  return path.starts_with(prefix) &&
         (path.size() == prefix.size() || path[prefix.size()] == kPathSeparator);
}

bool related(std::string_view a, std::string_view b) {
  return is_prefix(a, b) || is_prefix(b, a);
}

// Every prefix of `path` that ends at a segment boundary, the whole path included.
std::vector<std::string_view> prefixes(std::string_view path) {
  std::vector<std::string_view> out;
  for (size_t at = path.find(kPathSeparator); at != std::string_view::npos;
       at = path.find(kPathSeparator, at + 1)) {
    out.push_back(path.substr(0, at));
  }
  out.push_back(path);
  return out;
}

// A field of the file read or of a file it includes, in the order the parser merges them.
struct OrderedField {
  std::string path;
  const HoconField* field = nullptr;
  const HoconFileScan* file = nullptr;
  std::string append_block;  // HoconField::append_block, under the include's prefix
};

void order_fields(const ScanTotals& totals, size_t file, const std::string& prefix, int nesting,
                  std::vector<OrderedField>& out) {
  const HoconFileScan& scan = totals.files[file];
  size_t next_include = 0;
  for (size_t f = 0; f <= scan.fields.size(); ++f) {
    while (next_include < scan.includes.size() && scan.includes[next_include].after_fields == f) {
      const HoconInclude& include = scan.includes[next_include++];
      if (include.file >= 0 && static_cast<size_t>(include.file) < totals.files.size() &&
          nesting < kMaxIncludeNesting) {
        order_fields(totals, static_cast<size_t>(include.file), join_path(prefix, include.prefix),
                     nesting + 1, out);
      }
    }
    if (f < scan.fields.size()) {
      const HoconField& field = scan.fields[f];
      out.push_back({join_path(prefix, field.path), &field, &scan,
                     field.append_block.empty() ? "" : join_path(prefix, field.append_block)});
    }
  }
}

class CycleSearch {
 public:
  CycleSearch(std::vector<OrderedField> fields, std::string source)
      : fields_(std::move(fields)), source_(std::move(source)) {
    for (size_t f = 0; f < fields_.size(); ++f) {
      if (!fields_[f].field->references.empty()) {
        nodes_.push_back({f, {}, {}, false});
      }
    }
    index_fields();
    for (Node& node : nodes_) {
      link(node);
    }
  }

  void run() {
    on_stack_.assign(nodes_.size(), false);
    for (size_t n = 0; n < nodes_.size(); ++n) {
      visit(n);
    }
  }

 private:
  struct Node {
    size_t field;
    std::vector<std::vector<size_t>> targets;  // per reference: the nodes it reaches
    std::vector<size_t> below;                 // nodes a look-back from this one reaches
    bool has_below;                            // anything at all was assigned to its path before it
  };

  // Which fields hide one another, and which lie under a node's path, kept only for the
  // paths the nodes need: a file of a million plain keys costs one pass.
  void index_fields() {
    std::unordered_set<std::string_view> wanted;
    std::unordered_set<std::string_view> node_paths;
    for (const Node& node : nodes_) {
      for (std::string_view prefix : prefixes(fields_[node.field].path)) {
        wanted.insert(prefix);
      }
      node_paths.insert(fields_[node.field].path);
    }
    for (size_t f = 0; f < fields_.size(); ++f) {
      const std::string& path = fields_[f].path;
      if (fields_[f].field->replaces && wanted.contains(path)) {
        replacing_[path].push_back(f);
      }
      for (std::string_view prefix : prefixes(path)) {
        if (node_paths.contains(prefix)) {
          under_[std::string(prefix)].push_back(f);
        }
      }
    }
  }

  // Whether a field assigned to a prefix of `path` (or to it) between `after` and
  // `before` replaced what `path` held.
  bool replaced_between(std::string_view path, size_t after, size_t before) const {
    for (std::string_view prefix : prefixes(path)) {
      auto found = replacing_.find(std::string(prefix));
      if (found == replacing_.end()) {
        continue;
      }
      auto next = std::upper_bound(found->second.begin(), found->second.end(), after);
      if (next != found->second.end() && *next < before) {
        return true;
      }
    }
    return false;
  }

  void link(Node& node) {
    const OrderedField& from = fields_[node.field];
    // cpp-hocon reads a substitution from the root even in a file included into an
    // object.
    for (const HoconReference& reference : from.field->references) {
      std::vector<size_t>& targets = node.targets.emplace_back();
      for (size_t n = 0; n < nodes_.size(); ++n) {
        const OrderedField& target = fields_[nodes_[n].field];
        if (related(target.path, reference.path) &&
            !replaced_between(target.path, nodes_[n].field, fields_.size())) {
          targets.push_back(n);
        }
      }
    }
    const std::vector<size_t>& under = under_.at(from.path);
    auto latest = std::lower_bound(under.begin(), under.end(), node.field);
    node.has_below =
        latest != under.begin() && !replaced_between(from.path, *std::prev(latest), node.field);
    for (size_t n = 0; n < nodes_.size(); ++n) {
      size_t field = nodes_[n].field;
      if (field < node.field && is_prefix(from.path, fields_[field].path) &&
          !replaced_between(fields_[field].path, field, node.field)) {
        node.below.push_back(n);
      }
    }
  }

  void visit(size_t node) {
    on_stack_[node] = true;
    stack_.push_back(node);
    const HoconField& field = *fields_[nodes_[node].field].field;
    for (size_t r = 0; r < field.references.size(); ++r) {
      for (size_t target : nodes_[node].targets[r]) {
        arrive(target, node, r);
      }
    }
    stack_.pop_back();
    on_stack_[node] = false;
  }

  void arrive(size_t target, size_t from, size_t reference) {
    if (++steps_ > kMaxCycleSteps) {
      throw ConfigError(source_ +
                        ": the substitutions refer to one another along too many paths to "
                        "check them for cycles; refusing to resolve them");
    }
    if (!on_stack_[target]) {
      visit(target);
      return;
    }
    const HoconReference& written = fields_[nodes_[from].field].field->references[reference];
    if (!written.direct || !nodes_[target].has_below) {
      report(target, from, written);
    }
    for (size_t below : nodes_[target].below) {
      arrive(below, from, reference);
    }
  }

  [[noreturn]] void report(size_t target, size_t from, const HoconReference& written) const {
    std::string cycle;
    auto start = std::find(stack_.begin(), stack_.end(), target);
    for (auto it = start; it != stack_.end(); ++it) {
      cycle += dotted(fields_[nodes_[*it].field].path) + " -> ";
    }
    std::string looped = dotted(fields_[nodes_[target].field].path);
    cycle += looped;
    throw ConfigError(
        fields_[nodes_[from].field].file->source + ":" + std::to_string(written.line) + ": " +
        written.written + " is part of a cycle of substitutions (" + cycle + "): " +
        (written.direct ? "'" + looped + "' has no earlier value to fall back on"
                        : "a substitution inside an object or list cannot fall back on an "
                          "earlier value of '" +
                              looped + "'"));
  }

  std::vector<OrderedField> fields_;
  std::string source_;
  std::vector<Node> nodes_;
  std::unordered_map<std::string, std::vector<size_t>> replacing_;  // path -> fields
  std::unordered_map<std::string, std::vector<size_t>> under_;      // node path -> fields
  std::vector<bool> on_stack_;
  std::vector<size_t> stack_;
  int64_t steps_ = 0;
};

// `p { i += 1 }` followed by a value in `p` that needs resolving makes the resolver
// recurse forever: a substitution (`p.o = ${?X}`, before or in the same block), or a
// value merged with a substitution or a `+=` (`p.t = ${?X}` before, `p.t.o = 1` after).
// `p.i += 1` written from the root does not.
class AppendsInBlocks {
 public:
  explicit AppendsInBlocks(const std::vector<OrderedField>& fields) : fields_(fields) {}

  void run() {
    for (size_t f = 0; f < fields_.size(); ++f) {
      const OrderedField& field = fields_[f];
      bool unresolved = !field.field->references.empty();
      if (unresolved || merges_with_unresolved(field.path)) {
        for (std::string_view prefix : prefixes(field.path)) {
          if (auto found = first_append_.find(prefix); found != first_append_.end()) {
            fail(found->second, f);
          }
        }
      }
      if (!field.append_block.empty()) {
        first_append_.try_emplace(field.append_block, f);
      }
      if (unresolved || field.field->appends) {
        unresolved_paths_.insert(field.path);
        for (std::string_view prefix : prefixes(field.path)) {
          unresolved_prefixes_.insert(prefix);
        }
      }
    }
  }

 private:
  bool merges_with_unresolved(std::string_view path) const {
    if (unresolved_prefixes_.contains(path)) {
      return true;
    }
    std::vector<std::string_view> all = prefixes(path);
    return std::any_of(all.begin(), all.end(),
                       [&](std::string_view prefix) { return unresolved_paths_.contains(prefix); });
  }

  [[noreturn]] void fail(size_t append, size_t later) const {
    const OrderedField& appended = fields_[append];
    const OrderedField& value = fields_[later];
    std::string what = value.field->references.empty()
                           ? "'" + dotted(value.path) + "' at " + value.file->source + ":" +
                                 std::to_string(value.field->line) +
                                 ", merged with a substitution or `+=`"
                           : value.field->references.front().written + " at " + value.file->source +
                                 ":" + std::to_string(value.field->references.front().line);
    throw ConfigError(appended.file->source + ":" + std::to_string(appended.field->line) +
                      ": `+=` on '" + dotted(appended.path) + "' inside the block '" +
                      dotted(appended.append_block) +
                      " { ... }' is followed by a value in it that needs resolving (" + what +
                      "), which cpp-hocon cannot resolve; write the key from the root "
                      "instead: " +
                      dotted(appended.path) + " += ...");
  }

  const std::vector<OrderedField>& fields_;
  std::unordered_map<std::string_view, size_t> first_append_;  // block -> field
  std::unordered_set<std::string_view> unresolved_paths_;
  std::unordered_set<std::string_view> unresolved_prefixes_;
};

}  // namespace

void check_resolvable(const ScanTotals& totals) {
  if (totals.files.empty()) {
    return;
  }
  std::vector<OrderedField> fields;
  order_fields(totals, 0, "", 0, fields);
  AppendsInBlocks(fields).run();
  if (totals.substitutions > 0) {
    CycleSearch search(std::move(fields), totals.files.front().source);
    search.run();
  }
}

}  // namespace setl::config_detail
