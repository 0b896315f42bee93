#include "migrate/factories.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "setl/core/error.h"

namespace setl::migrate {
namespace {

bool is_consumer(const Step& step) {
  return !step.defines.empty();
}

// Disjoint sets over step indices.
struct Groups {
  std::vector<int> parent;
  explicit Groups(size_t size) : parent(size) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int index) {
    while (parent[static_cast<size_t>(index)] != index) {
      index = parent[static_cast<size_t>(index)] =
          parent[static_cast<size_t>(parent[static_cast<size_t>(index)])];
    }
    return index;
  }
  void join(int a, int b) {
    a = find(a);
    b = find(b);
    if (a != b) {
      parent[static_cast<size_t>(std::max(a, b))] = std::min(a, b);
    }
  }
};

}  // namespace

std::vector<FactoryGroup> group_factories(const Translator& translator, ModuleAnalysis& analysis) {
  const std::vector<Step>& steps = translator.steps();
  const std::vector<FrameVersion>& frames = translator.frames();
  // Consumers of each frame version that define frames themselves (writes do not count).
  std::map<int, int> consumers;
  for (const Step& step : steps) {
    for (int used : step.uses) {
      if (is_consumer(step) && frames[static_cast<size_t>(used)].step != &step - steps.data()) {
        ++consumers[used];
      }
    }
  }
  Groups groups(steps.size());
  std::vector<bool> grouped(steps.size(), false);
  std::map<int, int> tip;  // group root -> last frame version it defined
  for (size_t index = 0; index < steps.size(); ++index) {
    const Step& step = steps[index];
    int self = static_cast<int>(index);
    bool has_frames = !step.defines.empty() || !step.uses.empty() || step.stub;
    if (!has_frames) {
      continue;
    }
    grouped[index] = true;
    std::set<int> producers;
    for (int used : step.uses) {
      int producer = frames[static_cast<size_t>(used)].step;
      if (producer >= 0 && producer != self) {
        producers.insert(groups.find(producer));
      }
    }
    bool joined = false;
    if (step.defines.empty() && !step.explicit_boundary) {
      // A write or an alias: it belongs with what it consumes, in the same region.
      // (A statement that only names a step function's result has no code of its own.)
      if (producers.size() == 1 &&
          (steps[static_cast<size_t>(*producers.begin())].boundary == step.boundary ||
           step.lines.empty())) {
        groups.join(*producers.begin(), self);
        joined = true;
      }
    } else if (!step.explicit_boundary && !producers.empty()) {
      // It continues every chain whose last frame only it consumes, in the same region;
      // what else it uses comes in as inputs.
      std::set<int> chains;
      for (int used : step.uses) {
        int producer = frames[static_cast<size_t>(used)].step;
        if (producer < 0 || producer == self) {
          continue;
        }
        int root = groups.find(producer);
        const Step& first = steps[static_cast<size_t>(root)];
        if (tip[root] == used && consumers[used] <= 1 && !first.explicit_boundary &&
            first.boundary == step.boundary) {
          chains.insert(root);
        }
      }
      for (int root : chains) {
        groups.join(root, self);
      }
      joined = !chains.empty();
    }
    if (!step.defines.empty()) {
      tip[groups.find(self)] = step.defines.back();
    }
    (void)joined;
  }

  std::map<int, FactoryGroup> by_root;
  std::vector<int> order;
  for (size_t index = 0; index < steps.size(); ++index) {
    if (!grouped[index]) {
      continue;
    }
    int root = groups.find(static_cast<int>(index));
    if (!by_root.contains(root)) {
      order.push_back(root);
    }
    FactoryGroup& group = by_root[root];
    group.steps.push_back(static_cast<int>(index));
    const Step& step = steps[index];
    if (!step.defines.empty()) {
      group.output = step.defines.back();
    }
    if (group.reason.empty()) {
      group.reason = step.explicit_boundary  ? step.boundary
                     : step.boundary.empty() ? "dataflow"
                                             : step.boundary + " (author markup)";
    }
  }
  std::vector<FactoryGroup> partition;
  for (int root : order) {
    partition.push_back(by_root[root]);
  }
  return build_factories(translator, analysis, std::move(partition));
}

std::vector<FactoryGroup> build_factories(const Translator& translator, ModuleAnalysis& analysis,
                                          std::vector<FactoryGroup> partition) {
  const std::vector<Step>& steps = translator.steps();
  const std::vector<FrameVersion>& frames = translator.frames();
  analysis.factories.clear();
  analysis.statements.clear();
  std::vector<FactoryGroup> result;
  std::set<std::string> names;
  for (const FactoryGroup& group : partition) {
    if (!group.name.empty()) {
      names.insert(group.name);
    }
  }
  std::map<int, int> group_of_step;
  for (FactoryGroup& group : partition) {
    std::sort(group.steps.begin(), group.steps.end());
    group.output = -1;
    for (int step : group.steps) {
      if (!steps[static_cast<size_t>(step)].defines.empty()) {
        group.output = steps[static_cast<size_t>(step)].defines.back();
      }
    }
  }
  for (FactoryGroup group : partition) {
    for (int step : group.steps) {
      group_of_step[step] = static_cast<int>(result.size());
    }
    if (!group.name.empty()) {
      result.push_back(group);
      continue;
    }
    std::string base;
    const Step* explicit_step = nullptr;
    for (int step : group.steps) {
      const Step& candidate = steps[static_cast<size_t>(step)];
      explicit_step =
          explicit_step == nullptr && candidate.explicit_boundary ? &candidate : explicit_step;
    }
    const Step& first =
        explicit_step != nullptr ? *explicit_step : steps[static_cast<size_t>(group.steps.front())];
    if (explicit_step != nullptr) {
      group.reason = explicit_step->boundary;
    }
    if (first.explicit_boundary) {
      std::string boundary = first.boundary;
      size_t open = boundary.rfind(' ');
      base = camel_case(boundary.substr(open + 1, boundary.find('(') - open - 1));
    } else if (group.output >= 0) {
      base = camel_case(frames[static_cast<size_t>(group.output)].python_name);
    } else {
      std::string written;
      for (int step : group.steps) {
        const Step& candidate = steps[static_cast<size_t>(step)];
        written =
            written.empty() && !candidate.writes.empty() ? *candidate.writes.begin() : written;
      }
      base = written.empty() ? "Step" : "Write" + camel_case(written);
    }
    std::string name = base;
    for (int suffix = 2; names.contains(name); ++suffix) {
      name = base + std::to_string(suffix);
    }
    names.insert(name);
    group.name = name;
    result.push_back(group);
  }
  // Inputs: versions a group uses that another group defines.
  for (FactoryGroup& group : result) {
    std::set<int> inputs;
    for (int index : group.steps) {
      for (int used : steps[static_cast<size_t>(index)].uses) {
        int producer = frames[static_cast<size_t>(used)].step;
        if (producer >= 0 && group_of_step.contains(producer) &&
            &result[static_cast<size_t>(group_of_step[producer])] != &group) {
          inputs.insert(used);
        }
      }
    }
    group.inputs.assign(inputs.begin(), inputs.end());
  }
  // A factory hands over one table: any other frame it defines must stay inside it.
  for (const FactoryGroup& group : result) {
    for (int input : group.inputs) {
      const FactoryGroup& producer =
          result[static_cast<size_t>(group_of_step[frames[static_cast<size_t>(input)].step])];
      if (producer.output != input) {
        throw Error(ErrorKind::kUser,
                    "factory " + producer.name + " would have to hand over two tables (" +
                        frames[static_cast<size_t>(input)].python_name + " for " + group.name +
                        " and its last frame): keep them in separate factories");
      }
    }
  }
  // Factories in an order where every producer comes before its consumers (the pipeline
  // runs them in the order they are added).
  {
    std::map<int, int> producer_group;
    for (size_t g = 0; g < result.size(); ++g) {
      if (result[g].output >= 0) {
        producer_group[result[g].output] = static_cast<int>(g);
      }
    }
    std::vector<FactoryGroup> ordered;
    std::vector<bool> placed(result.size(), false);
    while (ordered.size() < result.size()) {
      bool progress = false;
      for (size_t g = 0; g < result.size(); ++g) {
        if (placed[g]) {
          continue;
        }
        bool ready = true;
        for (int input : result[g].inputs) {
          auto producer = producer_group.find(input);
          ready = ready && (producer == producer_group.end() ||
                            placed[static_cast<size_t>(producer->second)]);
        }
        if (ready) {
          placed[g] = true;
          ordered.push_back(result[g]);
          progress = true;
        }
      }
      if (!progress) {  // a cycle cannot happen in straight-line code; keep source order
        for (size_t g = 0; g < result.size(); ++g) {
          if (!placed[g]) {
            placed[g] = true;
            ordered.push_back(result[g]);
          }
        }
      }
    }
    result = std::move(ordered);
    group_of_step.clear();
    for (size_t g = 0; g < result.size(); ++g) {
      for (int step : result[g].steps) {
        group_of_step[step] = static_cast<int>(g);
      }
    }
  }
  // The analysis' view of the factories.
  for (const FactoryGroup& group : result) {
    FactoryPlan plan{.name = group.name, .reason = group.reason};
    plan.first_line = steps[static_cast<size_t>(group.steps.front())].first_line;
    plan.last_line = plan.first_line;
    for (int index : group.steps) {
      plan.first_line = std::min(plan.first_line, steps[static_cast<size_t>(index)].first_line);
      plan.last_line = std::max(plan.last_line, steps[static_cast<size_t>(index)].last_line);
    }
    std::set<std::string> inputs;
    std::set<std::string> reads;
    std::set<std::string> writes;
    std::set<std::string> params;
    for (int input : group.inputs) {
      inputs.insert(
          result[static_cast<size_t>(group_of_step[frames[static_cast<size_t>(input)].step])].name);
    }
    for (int index : group.steps) {
      const Step& step = steps[static_cast<size_t>(index)];
      reads.insert(step.reads.begin(), step.reads.end());
      writes.insert(step.writes.begin(), step.writes.end());
      params.insert(step.params.begin(), step.params.end());
      plan.has_stub = plan.has_stub || step.stub;
    }
    plan.inputs.assign(inputs.begin(), inputs.end());
    plan.reads.assign(reads.begin(), reads.end());
    plan.writes.assign(writes.begin(), writes.end());
    plan.params.assign(params.begin(), params.end());
    analysis.factories.push_back(plan);
  }
  // A file one factory writes and another reads orders them (dataflow through storage).
  std::map<std::string, std::string> path_of;
  for (const ConnectorPlan& connector : analysis.connectors) {
    path_of[connector.id] = connector.path;
  }
  for (FactoryPlan& reader : analysis.factories) {
    for (const FactoryPlan& writer : analysis.factories) {
      if (&reader == &writer) {
        continue;
      }
      bool reads_written = false;
      for (const std::string& id : reader.reads) {
        for (const std::string& written : writer.writes) {
          reads_written = reads_written || path_of[id] == path_of[written];
        }
      }
      if (reads_written && writer.first_line < reader.first_line) {
        reader.after.push_back(writer.name);
      }
    }
  }
  for (const StatementRef& ref : translator.statement_refs()) {
    StatementRecord record{ref.first_line, ref.last_line, ref.disposition, ""};
    if (ref.step >= 0 && group_of_step.contains(ref.step) &&
        (ref.disposition == "code" || ref.disposition == "stub")) {
      record.factory = result[static_cast<size_t>(group_of_step[ref.step])].name;
    } else if (ref.disposition == "code" || ref.disposition == "stub") {
      record.disposition = ref.disposition == "stub" ? "stub" : "ignorable";
    }
    analysis.statements.push_back(record);
  }
  return result;
}

}  // namespace setl::migrate
