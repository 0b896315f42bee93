// Writes engine tables as Arrow IPC: the streaming format (schema message, record batch
// messages, end-of-stream marker) and the file format (magic, the same messages, a footer
// locating them). Buffers are written 8-byte aligned, as the format requires.
#pragma once

#include <ostream>

#include "setl/storage/arrow_ipc.h"

namespace setl::storage::detail {

void write_ipc_stream(const engine::Table& table, std::ostream& out,
                      const ArrowIpcWriteOptions& options);
void write_ipc_file(const engine::Table& table, std::ostream& out,
                    const ArrowIpcWriteOptions& options);

}  // namespace setl::storage::detail
