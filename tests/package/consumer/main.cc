// A downstream program built against the installed setlpp package.
#include <iostream>

#include <setl/setl.h>
#include <setl/tpch/queries.h>

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
  // The installed TPC-H library: Q6 over generated data.
  setl::tpch::Tables tables = setl::tpch::generate({.scale_factor = 0.001});
  std::cout << "tpch q6 rows: " << setl::tpch::run_query(6, tables).num_rows() << "\n";
}
