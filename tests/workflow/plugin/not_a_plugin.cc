// A shared library without setlpp's entry point: loading it as a plugin must fail cleanly.
extern "C" int not_a_plugin_answer() {
  return 42;
}
