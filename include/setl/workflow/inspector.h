// The Inspector reads a pipeline before it runs: it builds the DAG (which offer fills each
// factory input, what runs after what) and collects every problem at once — unknown or
// ambiguous inputs, a consumer staged before its producer, a dependency cycle, duplicate
// factory names, consumer lists or depends_on naming no factory — so a run fails fast
// with the full list.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "setl/workflow/dag.h"

namespace setl::workflow {

class Pipeline;
namespace detail {
class PipelineRun;
struct PipelineConditions;
}  // namespace detail

class Inspector {
 public:
  explicit Inspector(const Pipeline& pipeline);

  const Dag& dag() const noexcept { return dag_; }
  /// Every problem found, one message each; empty when the pipeline can run.
  const std::vector<std::string>& problems() const noexcept { return problems_; }
  bool ok() const noexcept { return problems_.empty(); }
  /// Throws: DeliveryError listing every problem, if there is any.
  void validate() const;

 private:
  friend class detail::PipelineRun;
  void order_factories(size_t first_factory);

  std::string pipeline_name_;
  Dag dag_;
  std::vector<std::string> problems_;
  // The conditions bound while checking them, which a run then evaluates.
  std::shared_ptr<detail::PipelineConditions> conditions_;
};

}  // namespace setl::workflow
