// The order in which the tables of a comma-separated FROM are joined. Written SQL lists
// tables in any order (TPC-H Q7: supplier, lineitem, orders, customer, nation, nation),
// and joining them as written can build a large intermediate result that a selective
// table (one nation) would have cut early. Each table's size is estimated with the WHERE
// conditions that read only it (or that each branch of an OR states about it). A join on
// a key is taken to keep the larger input's rows that the smaller one's filters kept (the
// engine's key-to-foreign-key estimate); a join only on columns with few distinct values
// on both sides (customers and suppliers of a nation) multiplies: |A| |B| / distinct.
// From every starting table, the next one is the connected table giving the smallest
// result; the order with the fewest intermediate rows wins when it at least halves those
// of the written order (estimates are rough). The optimizer's own join ordering and
// build-side choice run afterwards, as for the dataframe API.
#include <algorithm>
#include <limits>
#include <numeric>

#include "sql/ast_text.h"
#include "sql/planner.h"

namespace setl::sql::detail {
namespace {

// Beyond this many tables the written order is kept (the search is quadratic per start).
constexpr size_t kMaxOrdered = 16;
constexpr double kRequiredGain = 0.5;
// A column with at least this share of its table's rows as distinct values is a key.
constexpr double kKeyShare = 0.5;

struct Size {
  double rows = 0;
  double unfiltered = 0;

  double kept() const { return unfiltered > 0 ? std::min(1.0, rows / unfiltered) : 1.0; }
};

// What the equalities between a table (here) and another (there) are like.
struct Link {
  bool connected = false;
  bool on_key = false;     // some equality has a key (or a column of unknown kind) on a side
  bool key_here = false;   // ... known to be a key of this table
  bool key_there = false;  // ... of the other
  double distinct = 0;     // else: the most distinct values of a side of an equality

  void merge(const Link& other) {
    connected = connected || other.connected;
    on_key = on_key || other.on_key;
    key_here = key_here || other.key_here;
    key_there = key_there || other.key_there;
    distinct = std::max(distinct, other.distinct);
  }
  Link reversed() const {
    Link link = *this;
    std::swap(link.key_here, link.key_there);
    return link;
  }
};

// `a` (the tables joined so far) joined with `b` over `link` (from a's side).
Size joined_size(const Size& a, const Size& b, const Link& link) {
  if (!link.connected) {
    return {a.rows * b.rows, a.unfiltered * b.unfiltered};
  }
  if (!link.on_key && link.distinct > 0) {
    return {a.rows * b.rows / link.distinct, a.unfiltered * b.unfiltered / link.distinct};
  }
  double unfiltered = std::max(a.unfiltered, b.unfiltered);
  if (link.key_here != link.key_there) {
    return {link.key_there ? a.rows * b.kept() : b.rows * a.kept(), unfiltered};
  }
  const Size& larger = a.rows >= b.rows ? a : b;
  const Size& smaller = a.rows >= b.rows ? b : a;
  return {larger.rows * smaller.kept(), unfiltered};
}

class OrderSearch {
 public:
  OrderSearch(std::vector<Size> sizes, std::vector<std::vector<Link>> links)
      : sizes_(std::move(sizes)), links_(std::move(links)) {}

  // Intermediate rows of joining from `start`, each next table chosen by `pick`.
  template <typename Pick>
  std::pair<double, std::vector<size_t>> walk(size_t start, Pick pick) const {
    std::vector<size_t> order{start};
    std::vector<bool> taken(sizes_.size(), false);
    taken[start] = true;
    Size current = sizes_[start];
    double cost = 0;
    while (order.size() < sizes_.size()) {
      size_t next = pick(taken, current);
      current = joined_size(current, sizes_[next], link_to(taken, next));
      cost += current.rows;
      taken[next] = true;
      order.push_back(next);
    }
    return {cost, order};
  }

  // As written: the first remaining table connected to the joined ones, else the first.
  size_t written_next(const std::vector<bool>& taken, const Size&) const {
    for (size_t i = 0; i < taken.size(); ++i) {
      if (!taken[i] && link_to(taken, i).connected) {
        return i;
      }
    }
    return first_free(taken);
  }

  // The connected table giving the smallest result, else the first remaining.
  size_t smallest_next(const std::vector<bool>& taken, const Size& current) const {
    std::optional<size_t> best;
    double best_rows = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < taken.size(); ++i) {
      Link link = taken[i] ? Link{} : link_to(taken, i);
      if (link.connected) {
        double rows = joined_size(current, sizes_[i], link).rows;
        if (rows < best_rows) {
          best = i;
          best_rows = rows;
        }
      }
    }
    return best ? *best : first_free(taken);
  }

 private:
  Link link_to(const std::vector<bool>& taken, size_t candidate) const {
    Link link;
    for (size_t i = 0; i < taken.size(); ++i) {
      if (taken[i]) {
        link.merge(links_[i][candidate]);
      }
    }
    return link;
  }

  static size_t first_free(const std::vector<bool>& taken) {
    return static_cast<size_t>(std::find(taken.begin(), taken.end(), false) - taken.begin());
  }

  std::vector<Size> sizes_;
  std::vector<std::vector<Link>> links_;
};

NodePtr binary(const char* name, NodePtr left, NodePtr right) {
  auto node = std::make_shared<Node>();
  node->kind = Node::Kind::kBinary;
  node->name = name;
  node->position = left->position;
  node->args = {std::move(left), std::move(right)};
  return node;
}

}  // namespace

std::optional<double> Planner::distinct_values(const Node& node, const Relation& relation) {
  Relation scoped = relation;
  ExprScope scope{.relation = &scoped, .clause = "WHERE"};
  engine::Expr value = translate(node, scope);
  if (value.kind() != engine::ExprKind::kColumn) {
    return std::nullopt;
  }
  return relation.frame.estimated_distinct(value.name());
}

NodePtr Planner::implied_filter(const NodePtr& condition, const std::vector<Relation>& relations,
                                size_t table) const {
  const Node& node = *condition;
  bool conjunction = node.kind == Node::Kind::kBinary && node.name == "and";
  bool disjunction = node.kind == Node::Kind::kBinary && node.name == "or";
  if (conjunction || disjunction) {
    NodePtr left = implied_filter(node.args[0], relations, table);
    NodePtr right = implied_filter(node.args[1], relations, table);
    if (disjunction) {
      return left && right ? binary("or", left, right) : nullptr;
    }
    return left && right ? binary("and", left, right) : left ? left : right;
  }
  if (contains_subquery(node) || !resolves_in(node, relations[table])) {
    return nullptr;
  }
  for (size_t other = 0; other < relations.size(); ++other) {
    if (other != table && resolves_in(node, relations[other])) {
      return nullptr;  // ambiguous here; WHERE will say so
    }
  }
  return condition;
}

std::vector<size_t> Planner::comma_join_order(const std::vector<Relation>& relations,
                                              const std::vector<engine::LazyFrame>& filtered,
                                              const std::vector<NodePtr>& conditions) {
  std::vector<size_t> written(relations.size());
  std::iota(written.begin(), written.end(), 0);
  if (relations.size() < 3 || relations.size() > kMaxOrdered) {
    return written;
  }
  std::vector<Size> sizes;
  for (size_t i = 0; i < relations.size(); ++i) {
    std::optional<double> unfiltered = relations[i].frame.estimated_rows();
    if (!unfiltered) {
      return written;
    }
    std::optional<double> rows = filtered[i].estimated_rows();
    sizes.push_back({rows.value_or(*unfiltered), *unfiltered});
  }
  std::vector<std::vector<Link>> links(relations.size(), std::vector<Link>(relations.size()));
  for (const NodePtr& condition : conditions) {
    if (condition->kind != Node::Kind::kBinary || condition->name != "=") {
      continue;
    }
    for (size_t i = 0; i < relations.size(); ++i) {
      for (size_t j = 0; j < relations.size(); ++j) {
        if (i != j && side_of(*condition->args[0], relations[i], relations[j]) == 1 &&
            side_of(*condition->args[1], relations[i], relations[j]) == 2) {
          std::optional<double> left = distinct_values(*condition->args[0], relations[i]);
          std::optional<double> right = distinct_values(*condition->args[1], relations[j]);
          bool left_key = left && *left >= kKeyShare * sizes[i].unfiltered;
          bool right_key = right && *right >= kKeyShare * sizes[j].unfiltered;
          Link link{.connected = true, .key_here = left_key, .key_there = right_key};
          if (left && right && !left_key && !right_key) {
            link.distinct = std::max(*left, *right);
          } else {
            link.on_key = true;
          }
          links[i][j].merge(link);
          links[j][i].merge(link.reversed());
        }
      }
    }
  }
  OrderSearch search(std::move(sizes), std::move(links));
  auto written_pick = [&](const std::vector<bool>& taken, const Size& current) {
    return search.written_next(taken, current);
  };
  auto smallest_pick = [&](const std::vector<bool>& taken, const Size& current) {
    return search.smallest_next(taken, current);
  };
  double written_cost = search.walk(0, written_pick).first;
  std::pair<double, std::vector<size_t>> best{std::numeric_limits<double>::infinity(), {}};
  for (size_t start = 0; start < relations.size(); ++start) {
    auto candidate = search.walk(start, smallest_pick);
    if (candidate.first < best.first) {
      best = std::move(candidate);
    }
  }
  return best.first < written_cost * kRequiredGain ? best.second : written;
}

}  // namespace setl::sql::detail
