// Files that are either absent or complete: written to a temporary name in the same directory,
// flushed to disk, then renamed over the final name (rename is atomic on POSIX file systems).
// A kill -9 at any moment leaves the old file or the new one, never a torn one.
#pragma once

#include <string>

namespace normlab {

// Writes `content` to `path` atomically; std::runtime_error (exit 1) naming the path on failure.
void write_file_atomically(const std::string& path, const std::string& content);
// Writes `content` to `path` and flushes it to disk (inside a directory that is renamed later).
void write_file_durably(const std::string& path, const std::string& content);
// Flushes a directory's entries (after a rename inside it).
void sync_directory(const std::string& path);
std::string read_file(const std::string& path);

}  // namespace normlab
