#include "sql/ast_text.h"

#include <algorithm>
#include <cctype>

#include "setl/engine/functions.h"

namespace setl::sql::detail {
namespace {

std::string join(const std::vector<NodePtr>& nodes, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < nodes.size(); ++i) {
    out += (i > from ? ", " : "") + sql_text(*nodes[i]);
  }
  return out;
}

std::string upper(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

std::string literal_text(const Node& node) {
  switch (node.literal_kind) {
    case Node::LiteralKind::kNull:
      return "NULL";
    case Node::LiteralKind::kBool:
      return upper(node.text);
    case Node::LiteralKind::kNumber:
      return node.text;
    case Node::LiteralKind::kString:
      break;
    case Node::LiteralKind::kDate:
      return "DATE '" + node.text + "'";
    case Node::LiteralKind::kTimestamp:
      return "TIMESTAMP '" + node.text + "'";
  }
  std::string quoted = "'";
  for (char c : node.text) {
    quoted += c == '\'' ? std::string("''") : std::string(1, c);
  }
  return quoted + "'";
}

}  // namespace

std::string sql_text(const Node& node) {
  using Kind = Node::Kind;
  std::string no = node.negated ? "NOT " : "";
  switch (node.kind) {
    case Kind::kColumn: {
      std::string out;
      for (const std::string& part : node.names) {
        out += (out.empty() ? "" : ".") + part;
      }
      return out;
    }
    case Kind::kLiteral:
      return literal_text(node);
    case Kind::kStar:
      return "*";
    case Kind::kUnary:
      return node.name == "not" ? "(NOT " + sql_text(*node.args[0]) + ")"
                                : "(" + node.name + sql_text(*node.args[0]) + ")";
    case Kind::kBinary: {
      std::string op = node.name == "and" || node.name == "or" ? upper(node.name) : node.name;
      return "(" + sql_text(*node.args[0]) + " " + op + " " + sql_text(*node.args[1]) + ")";
    }
    case Kind::kFunction: {
      std::string out =
          node.name + "(" + (node.distinct ? "DISTINCT " : "") + join(node.args) + ")";
      if (node.window) {
        const WindowClause& window = *node.window;
        std::string over;
        if (!window.partition_by.empty()) {
          over += "PARTITION BY " + join(window.partition_by);
        }
        for (size_t i = 0; i < window.order_by.size(); ++i) {
          const WindowClause::Order& key = window.order_by[i];
          over +=
              std::string(i == 0 ? (over.empty() ? "" : " ") + std::string("ORDER BY ") : ", ") +
              sql_text(*key.expr) + (key.descending ? " DESC" : "") +
              (key.nulls_first ? (*key.nulls_first ? " NULLS FIRST" : " NULLS LAST") : "");
        }
        if (!window.frame.empty()) {
          over += (over.empty() ? "" : " ") + upper(window.frame);
        }
        out += " OVER (" + over + ")";
      }
      return out;
    }
    case Kind::kCase: {
      std::string out = "CASE";
      if (node.args[0]) {
        out += " " + sql_text(*node.args[0]);
      }
      size_t pairs_end = node.text == "else" ? node.args.size() - 1 : node.args.size();
      for (size_t i = 1; i + 1 < pairs_end + 1 && i + 1 < node.args.size(); i += 2) {
        out += " WHEN " + sql_text(*node.args[i]) + " THEN " + sql_text(*node.args[i + 1]);
      }
      if (node.text == "else") {
        out += " ELSE " + sql_text(*node.args.back());
      }
      return out + " END";
    }
    case Kind::kCast:
      return std::string(node.try_cast ? "TRY_CAST(" : "CAST(") + sql_text(*node.args[0]) + " AS " +
             upper(node.name) + ")";
    case Kind::kInList:
      return "(" + sql_text(*node.args[0]) + " " + no + "IN (" + join(node.args, 1) + "))";
    case Kind::kInQuery:
      return "(" + sql_text(*node.args[0]) + " " + no + "IN (subquery))";
    case Kind::kExists:
      return no + "EXISTS (subquery)";
    case Kind::kScalarQuery:
      return "(subquery)";
    case Kind::kBetween:
      return "(" + sql_text(*node.args[0]) + " " + no + "BETWEEN " + sql_text(*node.args[1]) +
             " AND " + sql_text(*node.args[2]) + ")";
    case Kind::kLike:
      return "(" + sql_text(*node.args[0]) + " " + no + upper(node.name) + " " +
             sql_text(*node.args[1]) + ")";
    case Kind::kIsNull:
      return "(" + sql_text(*node.args[0]) + " IS " + no + "NULL)";
    case Kind::kIsBool:
      return "(" + sql_text(*node.args[0]) + " IS " + no + upper(node.text) + ")";
    case Kind::kInterval:
      return "INTERVAL '" + node.text + "' " + upper(node.name);
  }
  return "?";
}

bool contains_subquery(const Node& node) {
  if (node.query) {
    return true;
  }
  return std::any_of(node.args.begin(), node.args.end(),
                     [](const NodePtr& arg) { return arg && contains_subquery(*arg); });
}

bool is_subquery_condition(const Node& node) {
  return node.kind == Node::Kind::kExists || node.kind == Node::Kind::kInQuery;
}

bool is_aggregate_call(const Node& node) {
  if (node.kind != Node::Kind::kFunction || node.window) {
    return false;
  }
  static const std::vector<std::string> kAggregates = [] {
    std::vector<std::string> names;
    for (const engine::FunctionInfo& info : engine::list_functions()) {
      if (info.kind == engine::FunctionKind::kAggregate) {
        names.push_back(info.name);
        names.insert(names.end(), info.aliases.begin(), info.aliases.end());
      }
    }
    names.emplace_back("stddev_samp");
    return names;
  }();
  return std::find(kAggregates.begin(), kAggregates.end(), node.name) != kAggregates.end();
}

bool has_aggregate(const Node& node) {
  if (is_aggregate_call(node)) {
    return true;
  }
  if (node.kind == Node::Kind::kFunction && node.window) {
    // The window's own function is not an aggregate of the query; its arguments may be.
    for (const NodePtr& arg : node.args) {
      if (arg && has_aggregate(*arg)) {
        return true;
      }
    }
    return false;
  }
  for (const NodePtr& arg : node.args) {
    if (arg && has_aggregate(*arg)) {
      return true;
    }
  }
  return false;
}

}  // namespace setl::sql::detail
