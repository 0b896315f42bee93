// The numbers components as a plugin: `setl run examples/composed.pipeline.yaml` loads it.
#include "numbers_components.h"

SETL_PLUGIN(registry) {
  numbers::register_all(registry);
}
