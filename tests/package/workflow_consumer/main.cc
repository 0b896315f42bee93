// A downstream program that needs only setlpp's workflow layer.
#include <iostream>

#include <setl/workflow/pipeline.h>
#include <setl/workflow/registry.h>

class Answer : public setl::workflow::Factory<int> {
 public:
  setl::workflow::Delivery<int> base{this};
  int process() override { return *base * 2; }
};

int main() {
  setl::workflow::Pipeline pipeline;
  pipeline.set_input(21);
  pipeline.add<Answer>();
  std::cout << "workflow consumer: " << pipeline.run().output<int>("Answer") << "\n";

  setl::workflow::Registry registry;
  registry.load_plugin(ANSWER_PLUGIN);
  setl::workflow::Pipeline composed("composed");
  composed.set_input(84, {.id = "whole"});
  registry.instantiate(composed, "answer/half", "^1", setl::Config(), {.ns = "team"});
  std::cout << "plugin component: " << composed.run().output<int>("team.Half") << "\n";
}
