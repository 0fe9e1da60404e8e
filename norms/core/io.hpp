// File output that never leaves a torn file behind (normlab apply's .npy files, a sweep's CSVs
// and manifest). Failures throw std::runtime_error naming the path (a runtime failure, exit 1).
#pragma once

#include <string>

namespace normlab {

// Writes `bytes` to a temporary file beside `path`, flushes it to disk, renames it over `path`
// and flushes the directory: readers see the old file or the new one, never a part, even after a
// kill -9 or a power cut. The temporary file is removed if anything fails.
void write_file_atomically(const std::string& path, const std::string& bytes);

// As write_file_atomically, but never replaces a file: the complete temporary file is linked
// into place (link(2) fails when `path` exists), so a reader sees no file or the whole one and a
// file that is there already, a user's finished results, is left untouched. Returns false then.
bool write_new_file_atomically(const std::string& path, const std::string& bytes);

// Writes `bytes` to `path` and flushes it to disk (for files inside a directory that is itself
// renamed into place later).
void write_file_durably(const std::string& path, const std::string& bytes);

// Flushes a directory's entries after a rename inside it; best effort.
void sync_directory(const std::string& path);

}  // namespace normlab
