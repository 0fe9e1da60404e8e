// File I/O of the sweep harness. Durable and atomic writes live in norms/core/io.hpp (shared with
// normlab apply); this adds reading a whole file back.
#pragma once

#include <string>

#include "norms/core/io.hpp"

namespace normlab {

// The whole content of `path`; std::runtime_error (exit 1) naming the path on failure.
std::string read_file(const std::string& path);

}  // namespace normlab
