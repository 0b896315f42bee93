#include "setl/sql/session.h"

#include <algorithm>
#include <cctype>

#include "setl/core/error.h"
#include "sql/ast.h"
#include "sql/lexer.h"
#include "sql/planner.h"

namespace setl::sql {
namespace {

std::string key_of(std::string_view name) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '$';
      })) {
    throw ParseError("'" + std::string(name) +
                     "' is not a view name: use letters, digits and '_' (quote it with "
                     "backticks in SQL if it has '.', '-' or '$')");
  }
  std::string key(name);
  for (char& c : key) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return key;
}

class SessionCatalog : public detail::Catalog {
 public:
  explicit SessionCatalog(const std::map<std::string, engine::LazyFrame>& views) : views_(views) {}
  std::optional<engine::LazyFrame> find(const std::string& name) const override {
    auto found = views_.find(name);
    if (found == views_.end()) {
      return std::nullopt;
    }
    return found->second;
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& [name, frame] : views_) {
      out.push_back(name);
    }
    return out;
  }

 private:
  const std::map<std::string, engine::LazyFrame>& views_;
};

std::string in_script(std::string_view script, size_t offset, const Error& error) {
  auto line =
      1 + std::count(script.begin(), script.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  return "in the statement starting on line " + std::to_string(line) +
         " of the script: " + error.message();
}

engine::LazyFrame text_table(const std::string& column, const std::string& text) {
  engine::Table table = engine::Table::from_columns(
      {{column, engine::Column::constant(engine::Scalar::string(text), 1)}});
  return engine::LazyFrame::from(table);
}

}  // namespace

Session& Session::register_view(std::string_view name, engine::LazyFrame frame) {
  views_.insert_or_assign(key_of(name), std::move(frame));
  return *this;
}

Session& Session::register_table(std::string_view name, engine::Table table) {
  return register_view(name, engine::LazyFrame::from(std::move(table)));
}

Session& Session::register_source(std::string_view name,
                                  std::shared_ptr<const engine::ScanSource> source) {
  return register_view(name, engine::LazyFrame::scan(std::move(source)));
}

bool Session::drop_view(std::string_view name) {
  return views_.erase(key_of(name)) > 0;
}

std::vector<std::string> Session::views() const {
  std::vector<std::string> names;
  for (const auto& [name, frame] : views_) {
    names.push_back(name);
  }
  return names;
}

std::optional<engine::LazyFrame> Session::view(std::string_view name) const {
  auto found = views_.find(key_of(name));
  if (found == views_.end()) {
    return std::nullopt;
  }
  return found->second;
}

engine::LazyFrame Session::sql(std::string_view statement) {
  return execute(statement).frame;
}

StatementResult Session::execute(std::string_view text) {
  detail::Statement statement = detail::parse_statement(text);
  SessionCatalog catalog(views_);
  StatementResult result;
  auto plan = [&] {
    detail::Planner planner(catalog, text);
    engine::LazyFrame frame = planner.plan(*statement.query);
    frame.schema();  // types are checked now, not when it runs
    return frame;
  };
  switch (statement.kind) {
    case detail::Statement::Kind::kQuery:
      result.frame = plan();
      return result;
    case detail::Statement::Kind::kExplain: {
      engine::LazyFrame frame = plan();
      result.kind = StatementResult::Kind::kExplain;
      result.frame =
          text_table("plan", statement.analyze ? frame.explain_analyze() : frame.explain());
      return result;
    }
    case detail::Statement::Kind::kCreateView: {
      if (views_.count(statement.view) > 0 && !statement.or_replace) {
        throw StateError("view '" + statement.view +
                         "' already exists; use CREATE OR REPLACE TEMP VIEW to replace it");
      }
      engine::LazyFrame frame = plan();
      if (!statement.view_columns.empty()) {
        std::vector<std::string> names = frame.schema()->names();
        if (names.size() != statement.view_columns.size()) {
          throw SchemaError("view '" + statement.view + "' names " +
                            std::to_string(statement.view_columns.size()) +
                            " columns but its query returns " + std::to_string(names.size()));
        }
        std::vector<engine::Expr> renamed;
        for (size_t i = 0; i < names.size(); ++i) {
          renamed.push_back(engine::col(names[i]).alias(statement.view_columns[i]));
        }
        frame = frame.select(renamed);
      }
      views_.insert_or_assign(statement.view, frame);
      result.kind = StatementResult::Kind::kCreateView;
      result.view = statement.view;
      return result;
    }
    case detail::Statement::Kind::kDropView:
      if (views_.erase(statement.view) == 0 && !statement.if_exists) {
        throw StateError("no view '" + statement.view +
                         "' to drop; DROP VIEW IF EXISTS "
                         "ignores a missing one");
      }
      result.kind = StatementResult::Kind::kDropView;
      result.view = statement.view;
      return result;
  }
  return result;
}

std::vector<StatementResult> Session::execute_script(std::string_view script) {
  std::vector<StatementResult> results;
  for (const auto& [offset, statement] : split_statements(script)) {
    try {
      results.push_back(execute(statement));
    } catch (const ParseError& error) {
      throw ParseError(in_script(script, offset, error));
    } catch (const SchemaError& error) {
      throw SchemaError(in_script(script, offset, error));
    } catch (const StateError& error) {
      throw StateError(in_script(script, offset, error));
    }
  }
  return results;
}

std::vector<std::pair<size_t, std::string>> split_statements(std::string_view script) {
  std::vector<std::pair<size_t, std::string>> statements;
  size_t start = 0;
  auto add = [&](size_t end) {
    std::string_view piece = script.substr(start, end - start);
    size_t first = piece.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos) {
      statements.emplace_back(start + first, std::string(piece.substr(first)));
    }
  };
  for (const detail::Token& token : detail::tokenize(script)) {
    if (token.kind == detail::TokenKind::kSymbol && token.text == ";") {
      add(token.position);
      start = token.position + 1;
    }
  }
  add(script.size());
  // A piece holding only comments is no statement.
  std::erase_if(statements, [](const auto& statement) {
    return detail::tokenize(statement.second).size() == 1;
  });
  return statements;
}

}  // namespace setl::sql
