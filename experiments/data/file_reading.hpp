// Reading the real datasets' files. A missing, unreadable, truncated or corrupt file is an
// InputError that names the file and what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

// The whole file, gunzipped if it is gzip-compressed (zlib reads plain files unchanged).
std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path);

bool file_exists(const std::string& path);

// IDX files (MNIST, Fashion-MNIST): big-endian magic 0x00000803 (images: count, rows, cols) or
// 0x00000801 (labels: count), then the uint8 data; the length must match the header exactly.
struct IdxImages {
  std::size_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // (count, rows, cols)
};
IdxImages read_idx_images(const std::string& path);
// Labels must be below num_classes.
std::vector<std::uint8_t> read_idx_labels(const std::string& path, std::size_t num_classes);

}  // namespace normlab
