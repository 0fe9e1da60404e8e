// Reading the real datasets' files. A missing, unreadable, truncated or corrupt file is an
// InputError that names the file and what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

bool file_exists(const std::string& path);

// IDX files (MNIST, Fashion-MNIST): big-endian magic 0x00000803 (images: count, rows, cols) or
// 0x00000801 (labels: count), then the uint8 data; the length must match the header exactly.
// Each file may be gzipped; it is decompressed as it is read, the header first, and the reader
// stops with an InputError as soon as the data is longer or shorter than the header says (the
// size an overflow-checked product), so memory never exceeds what the header describes.
struct IdxImages {
  std::size_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // (count, rows, cols)
};
IdxImages read_idx_images(const std::string& path);
// Labels must be below num_classes.
std::vector<std::uint8_t> read_idx_labels(const std::string& path, std::size_t num_classes);

}  // namespace normlab
