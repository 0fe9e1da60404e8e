// File output that never leaves a torn file behind.
#pragma once

#include <string>

namespace normlab {

// Writes `bytes` to a temporary file beside `path`, flushes it to disk, and renames it over
// `path`: readers see the old file or the new one, never a part. Throws std::runtime_error
// naming the path on failure.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace normlab
