#include "experiments/data/file_reading.hpp"

#include <sys/stat.h>
#include <cstdio>
#include <zlib.h>

#include "norms/core/errors.hpp"

namespace normlab {

namespace {

std::uint32_t big_endian_u32(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  return (std::uint32_t(bytes[offset]) << 24) | (std::uint32_t(bytes[offset + 1]) << 16) |
         (std::uint32_t(bytes[offset + 2]) << 8) | std::uint32_t(bytes[offset + 3]);
}

std::string hex(std::uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

// Checks the header's length and magic number; returns the header's dimension sizes.
std::vector<std::size_t> idx_header(const std::vector<std::uint8_t>& bytes, const std::string& path,
                                    std::uint32_t magic, std::size_t dims, const char* what) {
  const std::size_t header = 4 + 4 * dims;
  if (bytes.size() < header)
    throw InputError(path + ": truncated IDX " + what + " file: " + std::to_string(bytes.size()) +
                     " bytes, shorter than its " + std::to_string(header) + "-byte header");
  const std::uint32_t found = big_endian_u32(bytes, 0);
  if (found != magic)
    throw InputError(path + ": wrong magic number " + hex(found) + " for an IDX " + what + " file (expected " +
                     hex(magic) + ")");
  std::vector<std::size_t> sizes;
  std::size_t payload = 1;
  for (std::size_t d = 0; d < dims; ++d) {
    sizes.push_back(big_endian_u32(bytes, 4 + 4 * d));
    payload *= sizes.back();
  }
  const std::size_t expected = header + payload;
  if (bytes.size() != expected)
    throw InputError(path + ": wrong length: " + std::to_string(bytes.size()) + " bytes, but its header (" +
                     std::to_string(sizes[0]) + " " + what + ") needs exactly " + std::to_string(expected) +
                     (bytes.size() < expected ? " (truncated)" : " (trailing data)"));
  return sizes;
}

}  // namespace

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path) {
  if (!file_exists(path)) throw InputError(path + ": file not found");
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw InputError(path + ": cannot open for reading");
  gzbuffer(file, 1 << 17);
  std::vector<std::uint8_t> bytes;
  std::uint8_t chunk[1 << 16];
  for (;;) {
    const int n = gzread(file, chunk, sizeof chunk);
    if (n < 0) {
      int code = 0;
      const std::string message = gzerror(file, &code);
      gzclose(file);
      throw InputError(path + ": corrupt gzip data (" + message + ")");
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  // A gzip stream cut short reads as a clean end of file; zlib reports it through gzerror.
  int code = Z_OK;
  const std::string message = gzerror(file, &code);
  gzclose(file);
  if (code != Z_OK && code != Z_STREAM_END) throw InputError(path + ": corrupt or truncated gzip data (" + message + ")");
  return bytes;
}

IdxImages read_idx_images(const std::string& path) {
  std::vector<std::uint8_t> bytes = read_maybe_gzipped(path);
  const auto sizes = idx_header(bytes, path, 0x00000803u, 3, "images");
  IdxImages images;
  images.count = sizes[0];
  images.rows = sizes[1];
  images.cols = sizes[2];
  images.pixels.assign(bytes.begin() + 16, bytes.end());
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path, std::size_t num_classes) {
  std::vector<std::uint8_t> bytes = read_maybe_gzipped(path);
  idx_header(bytes, path, 0x00000801u, 1, "labels");
  std::vector<std::uint8_t> labels(bytes.begin() + 8, bytes.end());
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= num_classes)
      throw InputError(path + ": bad label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                       "; labels must be in [0, " + std::to_string(num_classes) + ")");
  return labels;
}

}  // namespace normlab
