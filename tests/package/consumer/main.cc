// A downstream program built against the installed setlpp package.
#include <iostream>

#include <setl/setl.h>

class Answer : public setl::workflow::Factory<int> {
 public:
  setl::workflow::Delivery<int> base{this};
  int process() override { return *base * 2; }
};

int main() {
  setl::workflow::Pipeline pipeline;
  pipeline.set_input(21);
  pipeline.add_factory<Answer>();
  pipeline.run();
  std::cout << "consumer: " << pipeline.last_output<int>() << "\n";
}
