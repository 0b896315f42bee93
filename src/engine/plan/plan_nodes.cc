// Plan nodes: construction (output schemas from the same operation on empty inputs) and
// explain().
#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"

namespace setl::engine {
namespace plan {
namespace {

using Kind = detail::PlanNode::Kind;

std::shared_ptr<detail::PlanNode> node_of(Kind kind, std::vector<NodePtr> inputs) {
  auto node = std::make_shared<detail::PlanNode>();
  node->kind = kind;
  node->inputs = std::move(inputs);
  return node;
}

// Output schemas come from running the same operation on empty inputs, so they always
// agree with execution (names, suffixes, types, errors).
Table empty_like(const NodePtr& node) {
  return Table::empty(node->schema);
}

std::string join_text(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) {
    text += (text.empty() ? "" : ", ") + part;
  }
  return text;
}

// A join's output schema, from the same join of empty inputs. That runs the join
// machinery, and join planning builds many candidate joins over the same inputs: the
// schemas are remembered by everything they depend on.
SchemaPtr join_schema(const NodePtr& left, const NodePtr& right,
                      const std::vector<std::string>& left_on,
                      const std::vector<std::string>& right_on, JoinType type,
                      const std::string& right_suffix, const std::optional<Expr>& condition) {
  static std::mutex mutex;
  static std::map<std::string, SchemaPtr> known;
  constexpr size_t kMaxKnown = 4096;
  // Each part length-prefixed: names may hold any character.
  std::string key;
  auto add = [&key](const std::string& part) { key += std::to_string(part.size()) + ":" + part; };
  add(std::to_string(static_cast<int>(type)));
  add(right_suffix);
  add(condition ? condition->to_string() : "");
  for (const SchemaPtr& schema : {left->schema, right->schema}) {
    add(std::to_string(schema->num_fields()));
    for (const Field& field : schema->fields()) {
      add(field.to_string());
    }
  }
  for (const std::vector<std::string>* names : {&left_on, &right_on}) {
    add(std::to_string(names->size()));
    for (const std::string& name : *names) {
      add(name);
    }
  }
  {
    std::lock_guard lock(mutex);
    if (auto found = known.find(key); found != known.end()) {
      return found->second;
    }
  }
  SchemaPtr schema =
      empty_like(left)
          .join(empty_like(right), left_on, right_on, JoinOptions{type, right_suffix, condition})
          .schema();
  std::lock_guard lock(mutex);
  if (known.size() >= kMaxKnown) {
    known.clear();
  }
  known.emplace(std::move(key), schema);
  return schema;
}

std::string exprs_text(const std::vector<Expr>& exprs) {
  std::string text;
  for (const Expr& expr : exprs) {
    std::string item = expr.to_string();
    if (expr.has_alias() && expr.output_name() != item) {
      item += " AS " + expr.output_name();
    }
    text += (text.empty() ? "" : ", ") + item;
  }
  return text;
}

const char* join_name(JoinType type) {
  switch (type) {
    case JoinType::kInner:
      return "inner";
    case JoinType::kLeft:
      return "left";
    case JoinType::kRight:
      return "right";
    case JoinType::kFull:
      return "full";
    case JoinType::kSemi:
      return "semi";
    case JoinType::kAnti:
      return "anti";
  }
  return "?";
}

std::string exchange_text(const detail::PlanNode& node) {
  using Exchange = detail::PlanNode::Exchange;
  switch (node.exchange) {
    case Exchange::kHash:
      return "hash [" + join_text(node.keys) + "]";
    case Exchange::kHashLocal:
      return "hash [" + join_text(node.keys) + "] (kept locally: the input is on every rank)";
    case Exchange::kRange: {
      std::vector<std::string> keys;
      for (const SortKey& key : node.sort_keys) {
        keys.push_back(key.column + (key.descending ? " desc" : " asc"));
      }
      return "range [" + join_text(keys) + "] (sampled splitters)";
    }
    case Exchange::kBroadcast:
      return "broadcast (to every rank)";
    case Exchange::kGather:
      return "gather (every rank's rows, in rank order, on every rank)";
    case Exchange::kShare:
      return "share (this rank's share of rows that are on every rank)";
  }
  return "?";
}

}  // namespace

std::string describe(const detail::PlanNode& planned) {
  const detail::PlanNode* node = &planned;
  std::string line;
  switch (node->kind) {
    case Kind::kTable:
      line += "Table (" + std::to_string(node->table->num_rows()) + " rows" +
              (node->partition ? " on this rank" : "") + ") [" + join_text(node->schema->names()) +
              "]";
      break;
    case Kind::kScan:
      line += "Scan " + node->source->describe() + " columns=[" + join_text(node->schema->names()) +
              "]";
      if (node->request.filter) {
        line += " filter=" + node->request.filter->to_string();
      }
      if (node->request.shards > 1) {
        line += " share=" + std::to_string(node->request.shard + 1) + "/" +
                std::to_string(node->request.shards);
      }
      break;
    case Kind::kProject:
      line += "Project [" + exprs_text(node->exprs) + "]";
      break;
    case Kind::kWindow:
      line += "Window " + node->exprs[0].to_string() + " AS " + node->name;
      break;
    case Kind::kFilter:
      line += "Filter " + node->exprs[0].to_string();
      break;
    case Kind::kLimit:
      line += "Limit " + std::to_string(node->count) +
              (node->offset ? " offset " + std::to_string(node->offset) : "");
      break;
    case Kind::kSort: {
      std::vector<std::string> keys;
      for (const SortKey& key : node->sort_keys) {
        keys.push_back(key.column + (key.descending ? " desc" : " asc"));
      }
      line += "Sort [" + join_text(keys) + "]";
      break;
    }
    case Kind::kDistinct:
      line += "Distinct";
      break;
    case Kind::kUnion:
      line += "Union all";
      break;
    case Kind::kJoin: {
      std::vector<std::string> pairs;
      for (size_t i = 0; i < node->keys.size(); ++i) {
        pairs.push_back(node->keys[i] + " = " + node->right_keys[i]);
      }
      line += std::string("Join ") + join_name(node->join_type) + " on " + join_text(pairs);
      if (!node->exprs.empty()) {
        line += " and " + node->exprs[0].to_string();
      }
      break;
    }
    case Kind::kExchange:
      line += "Exchange " + exchange_text(*node);
      break;
    case Kind::kAggregate:
      line += "Aggregate" +
              (node->keys.empty() ? std::string() : " by [" + join_text(node->keys) + "]") + " [" +
              exprs_text(node->exprs) + "]";
      break;
  }
  return line;
}

namespace {

void count_parents(const NodePtr& node, std::map<const detail::PlanNode*, int>& parents) {
  for (const NodePtr& input : node->inputs) {
    if (++parents[input.get()] == 1) {
      count_parents(input, parents);
    }
  }
}

// A node that runs once is printed in full where it first appears, and named where it
// appears again.
struct Sharing {
  std::set<const detail::PlanNode*> run_once;
  std::map<const detail::PlanNode*, int> numbers;

  bool shared(const NodePtr& node) const { return run_once.count(node.get()) > 0; }
};

void explain_into(const NodePtr& node, int depth, std::string& out, const Annotation& annotate,
                  Sharing& sharing) {
  std::string line = std::string(static_cast<size_t>(depth) * 2, ' ') + describe(*node);
  bool repeated = false;
  if (sharing.shared(node)) {
    auto [found, first] =
        sharing.numbers.try_emplace(node.get(), static_cast<int>(sharing.numbers.size()) + 1);
    repeated = !first;
    line += first ? "  [shared #" + std::to_string(found->second) + ": runs once]"
                  : "  [shared #" + std::to_string(found->second) + ", as above]";
  }
  if (annotate && !repeated) {
    std::string note = annotate(*node);
    if (!note.empty()) {
      line += "  (" + note + ")";
    }
  }
  out += line + "\n";
  if (repeated) {
    return;
  }
  for (const NodePtr& input : node->inputs) {
    explain_into(input, depth + 1, out, annotate, sharing);
  }
}

}  // namespace

bool cheap_to_repeat(const NodePtr& node) {
  switch (node->kind) {
    case Kind::kTable:
    case Kind::kScan:
      return true;
    case Kind::kFilter:
    case Kind::kProject:
    case Kind::kLimit:
      return cheap_to_repeat(node->inputs[0]);
    default:
      return false;
  }
}

std::set<const detail::PlanNode*> run_once_nodes(const NodePtr& root) {
  std::map<const detail::PlanNode*, int> parents;
  count_parents(root, parents);
  std::set<const detail::PlanNode*> nodes;
  std::function<void(const NodePtr&)> visit = [&](const NodePtr& node) {
    if (parents[node.get()] > 1 && !cheap_to_repeat(node)) {
      nodes.insert(node.get());
    }
    for (const NodePtr& input : node->inputs) {
      visit(input);
    }
  };
  visit(root);
  return nodes;
}

NodePtr table(Table table, bool partition) {
  auto node = node_of(Kind::kTable, {});
  node->schema = table.schema();
  node->table = std::move(table);
  node->partition = partition;
  return node;
}

NodePtr exchange(NodePtr input, detail::PlanNode::Exchange kind,
                 std::shared_ptr<const DistributedContext> context, std::vector<std::string> keys,
                 std::vector<SortKey> sort_keys) {
  auto node = node_of(Kind::kExchange, {input});
  for (const std::string& key : keys) {
    input->schema->index_of(key);
  }
  for (const SortKey& key : sort_keys) {
    input->schema->index_of(key.column);
  }
  node->schema = input->schema;
  node->exchange = kind;
  node->distributed = std::move(context);
  node->keys = std::move(keys);
  node->sort_keys = std::move(sort_keys);
  return node;
}

NodePtr scan(std::shared_ptr<const ScanSource> source, ScanRequest request) {
  auto node = node_of(Kind::kScan, {});
  SchemaPtr full = source->schema();
  if (request.columns.empty()) {
    node->schema = full;
  } else {
    std::vector<Field> fields;
    for (const Field& field : full->fields()) {
      for (const std::string& wanted : request.columns) {
        if (wanted == field.name) {
          fields.push_back(field);
        }
      }
    }
    for (const std::string& wanted : request.columns) {
      full->index_of(wanted);  // unknown columns fail here, with a suggestion
    }
    node->schema = std::make_shared<Schema>(std::move(fields));
  }
  if (request.filter) {
    result_type(*request.filter, *full);
  }
  node->source = std::move(source);
  node->request = std::move(request);
  return node;
}

NodePtr project(NodePtr input, std::vector<Expr> columns) {
  auto node = node_of(Kind::kProject, {input});
  node->schema = empty_like(input).select(columns).schema();
  node->exprs = std::move(columns);
  return node;
}

NodePtr window(NodePtr input, std::string name, Expr function) {
  auto node = node_of(Kind::kWindow, {input});
  node->schema = empty_like(input).with_column(name, function).schema();
  node->exprs = {std::move(function)};
  node->name = std::move(name);
  return node;
}

NodePtr filter(NodePtr input, Expr predicate) {
  auto node = node_of(Kind::kFilter, {input});
  // Filtering an empty table of the input's schema types the predicate now, at plan time.
  static_cast<void>(empty_like(input).filter(predicate));
  node->schema = input->schema;
  node->exprs = {std::move(predicate)};
  return node;
}

NodePtr limit(NodePtr input, int64_t count, int64_t offset) {
  if (count < 0 || offset < 0) {
    throw StateError("limit needs a non-negative count and offset");
  }
  auto node = node_of(Kind::kLimit, {input});
  node->schema = input->schema;
  node->count = count;
  node->offset = offset;
  return node;
}

NodePtr sort(NodePtr input, std::vector<SortKey> keys) {
  auto node = node_of(Kind::kSort, {input});
  for (const SortKey& key : keys) {
    input->schema->index_of(key.column);
  }
  node->schema = input->schema;
  node->sort_keys = std::move(keys);
  return node;
}

NodePtr distinct(NodePtr input) {
  auto node = node_of(Kind::kDistinct, {input});
  node->schema = input->schema;
  return node;
}

NodePtr union_all(NodePtr left, NodePtr right) {
  auto node = node_of(Kind::kUnion, {left, right});
  node->schema = empty_like(left).union_all(empty_like(right)).schema();
  return node;
}

NodePtr join(NodePtr left, NodePtr right, std::vector<std::string> left_on,
             std::vector<std::string> right_on, JoinType type, std::string right_suffix,
             std::optional<Expr> condition) {
  auto node = node_of(Kind::kJoin, {left, right});
  node->schema = join_schema(left, right, left_on, right_on, type, right_suffix, condition);
  if (condition) {
    node->exprs.push_back(*condition);
  }
  node->right_suffix = std::move(right_suffix);
  node->keys = std::move(left_on);
  node->right_keys = std::move(right_on);
  node->join_type = type;
  return node;
}

NodePtr aggregate(NodePtr input, std::vector<std::string> keys, std::vector<Expr> aggregates) {
  auto node = node_of(Kind::kAggregate, {input});
  Table empty = empty_like(input);
  node->schema = keys.empty() ? empty.aggregate(aggregates).schema()
                              : empty.group_by(keys).agg(aggregates).schema();
  node->keys = std::move(keys);
  node->exprs = std::move(aggregates);
  return node;
}

std::optional<Expr> join_condition(const detail::PlanNode& join) {
  if (join.kind != detail::PlanNode::Kind::kJoin || join.exprs.empty()) {
    return std::nullopt;
  }
  return join.exprs[0];
}

std::string explain(const NodePtr& node, const Annotation& annotate) {
  std::string text;
  Sharing sharing{run_once_nodes(node), {}};
  explain_into(node, 0, text, annotate, sharing);
  return text;
}

}  // namespace plan
}  // namespace setl::engine
