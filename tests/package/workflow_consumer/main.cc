// A downstream program that needs only setlpp's workflow layer.
#include <iostream>

#include <setl/workflow/pipeline.h>

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
}
