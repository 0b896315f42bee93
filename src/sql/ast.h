// The syntax tree of a SQL statement (private to the SQL front end): what the parser
// read, with byte positions for errors; the planner gives it meaning.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setl/engine/expr.h"

namespace setl::sql::detail {

struct Query;
using QueryPtr = std::shared_ptr<const Query>;
struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct WindowClause {
  std::vector<NodePtr> partition_by;
  struct Order {
    NodePtr expr;
    bool descending = false;
    std::optional<bool> nulls_first;
  };
  std::vector<Order> order_by;
  /// The frame as written ("rows between unbounded preceding and current row"), empty
  /// for the default, and as the engine takes it.
  std::string frame;
  std::optional<engine::WindowFrame> engine_frame;
  size_t frame_position = 0;
};

/// An expression.
struct Node {
  enum class Kind {
    kColumn,    // names: [qualifier...,] column
    kLiteral,   // text + literal_kind
    kStar,      // count(*)
    kUnary,     // op: "-", "+", "not"
    kBinary,    // op: "+", "=", "and", "||", ...
    kFunction,  // name, args, distinct, window
    kCase,      // args: [operand or null], when, then, ..., [else]
    kCast,      // args[0], type_name, try_cast
    kInList,    // args[0] in (args[1..]), negated
    kInQuery,   // args[0] in (query), negated
    kExists,    // exists (query), negated
    kScalarQuery,
    kBetween,   // args: value, low, high; negated
    kLike,      // args: value, pattern; negated; op "like" or "rlike"
    kIsNull,    // negated
    kIsBool,    // IS [NOT] TRUE/FALSE: literal text "true"/"false"
    kInterval,  // text: amount, unit: day, month, year, ...
  };
  enum class LiteralKind { kNull, kBool, kNumber, kString, kDate, kTimestamp };

  Kind kind = Kind::kLiteral;
  size_t position = 0;
  std::vector<std::string> names;
  std::string name;  // function name (lower case), operator, type name, interval unit
  std::string text;  // literal text
  LiteralKind literal_kind = LiteralKind::kNull;
  std::vector<NodePtr> args;
  bool negated = false;
  bool distinct = false;
  bool try_cast = false;
  QueryPtr query;
  std::shared_ptr<const WindowClause> window;
  size_t depth = 1;  // of the expression tree below and including this node
};

struct SelectItem {
  NodePtr expr;         // null for * and t.*
  std::string star_of;  // t for t.*; empty for *
  bool star = false;
  std::string alias;
  size_t position = 0;
};

struct TableRef;
using TableRefPtr = std::shared_ptr<const TableRef>;

struct TableRef {
  enum class Kind { kNamed, kSubquery, kJoin };
  enum class JoinKind { kInner, kLeft, kRight, kFull, kSemi, kAnti, kCross };
  Kind kind = Kind::kNamed;
  size_t position = 0;
  std::string name;   // a table or view (lower case)
  std::string alias;  // lower case; empty when none
  QueryPtr query;
  JoinKind join = JoinKind::kInner;
  TableRefPtr left;
  TableRefPtr right;
  NodePtr on;
  std::vector<std::string> using_columns;
  bool natural = false;
  std::vector<std::string> column_aliases;  // (SELECT ...) AS t (a, b)
};

struct GroupBy {
  enum class Kind { kPlain, kRollup, kCube, kSets };
  Kind kind = Kind::kPlain;
  std::vector<NodePtr> exprs;              // plain, rollup and cube
  std::vector<std::vector<NodePtr>> sets;  // grouping sets
  size_t position = 0;
};

struct Select {
  bool distinct = false;
  std::vector<SelectItem> items;
  std::vector<TableRefPtr> from;
  NodePtr where;
  std::optional<GroupBy> group_by;
  NodePtr having;
};

struct OrderItem {
  NodePtr expr;
  bool descending = false;
  std::optional<bool> nulls_first;
};

/// A query expression: a SELECT or a set operation, with its WITH, ORDER BY and LIMIT.
struct Query {
  enum class Kind { kSelect, kSetOperation };
  Kind kind = Kind::kSelect;
  size_t position = 0;
  std::vector<std::pair<std::string, QueryPtr>> with;
  std::shared_ptr<const Select> select;
  std::string set_operation;  // "union", "intersect", "except"
  bool all = false;
  QueryPtr left;
  QueryPtr right;
  std::vector<OrderItem> order_by;
  std::optional<int64_t> limit;
  int64_t offset = 0;
};

struct Statement {
  enum class Kind { kQuery, kCreateView, kDropView, kExplain };
  Kind kind = Kind::kQuery;
  QueryPtr query;
  std::string view;                       // lower case
  std::vector<std::string> view_columns;  // CREATE VIEW v (a, b) AS ...
  bool or_replace = false;
  bool if_exists = false;
  bool analyze = false;
};

/// One statement (a trailing ';' allowed). Throws: ParseError with line, column, a caret
/// and what was expected.
Statement parse_statement(std::string_view text);

}  // namespace setl::sql::detail
