// Umbrella header: everything a pipeline author needs. Include single layer headers
// (setl/workflow/pipeline.h, ...) instead to keep compile times down in large projects.
#pragma once

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/core/log.h"
#include "setl/core/type_name.h"
#include "setl/engine/arrow_c.h"
#include "setl/engine/dataset.h"
#include "setl/engine/execution.h"
#include "setl/engine/expr.h"
#include "setl/engine/lazy_frame.h"
#include "setl/engine/table.h"
#include "setl/workflow/benchmark.h"
#include "setl/workflow/dag.h"
#include "setl/workflow/deliverable.h"
#include "setl/workflow/delivery.h"
#include "setl/workflow/factory.h"
#include "setl/workflow/inspector.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/setl.h"
#include "setl/workflow/stage.h"
