#include "experiments/data/file_reading.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <limits>

#include "experiments/data/byte_stream.hpp"
#include "norms/core/checked_size.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

std::uint32_t big_endian_u32(const std::uint8_t* bytes) {
  return (std::uint32_t(bytes[0]) << 24) | (std::uint32_t(bytes[1]) << 16) | (std::uint32_t(bytes[2]) << 8) |
         std::uint32_t(bytes[3]);
}

std::string hex(std::uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

// An IDX file's header and data: the magic number, `dims` big-endian sizes, then exactly their
// product of bytes. The header is read and checked first; the data size is an overflow-checked
// product, and the stream is read for exactly that many bytes and then must end, so that memory
// never exceeds what the header describes (a gzip bomb fails as soon as it holds one byte more).
struct IdxContents {
  std::vector<std::size_t> sizes;
  std::vector<std::uint8_t> data;
};

IdxContents read_idx(const std::string& path, std::uint32_t magic, std::size_t dims, const char* what) {
  ByteStream stream(path);
  const std::size_t header = 4 + 4 * dims;
  std::uint8_t bytes[16];
  const std::size_t got = stream.read(bytes, header);
  if (got < header)
    throw InputError(path + ": truncated IDX " + what + " file: " + std::to_string(got) +
                     " bytes, shorter than its " + std::to_string(header) + "-byte header");
  const std::uint32_t found = big_endian_u32(bytes);
  if (found != magic)
    throw InputError(path + ": wrong magic number " + hex(found) + " for an IDX " + what +
                     " file (expected " + hex(magic) + ")");
  IdxContents contents;
  for (std::size_t d = 0; d < dims; ++d)
    contents.sizes.push_back(big_endian_u32(bytes + 4 + 4 * d));
  // "12 images of 28 x 28" or "12 labels".
  std::string described = std::to_string(contents.sizes[0]) + " " + what;
  for (std::size_t d = 1; d < dims; ++d)
    described += (d == 1 ? " of " : " x ") + std::to_string(contents.sizes[d]);
  const auto payload =
      checked_product(contents.sizes, 1, std::size_t(std::numeric_limits<std::ptrdiff_t>::max()) - header);
  if (!payload)
    throw InputError(path + ": its header (" + described +
                     ") describes more than 2^63 bytes (corrupt header)");
  const std::string promised = "that its header (" + described + ") describes";
  contents.data = stream.read_exactly(*payload, "of data " + promised);
  stream.expect_end(header + *payload, "(header included) " + promised);
  return contents;
}

}  // namespace

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

IdxImages read_idx_images(const std::string& path) {
  IdxContents contents = read_idx(path, 0x00000803u, 3, "images");
  if (contents.sizes[1] == 0 || contents.sizes[2] == 0)
    throw InputError(path + ": its header describes images of " + std::to_string(contents.sizes[1]) + " x " +
                     std::to_string(contents.sizes[2]) + " pixels; an image needs at least one");
  IdxImages images;
  images.count = contents.sizes[0];
  images.rows = contents.sizes[1];
  images.cols = contents.sizes[2];
  images.pixels = std::move(contents.data);
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path, std::size_t num_classes) {
  std::vector<std::uint8_t> labels = read_idx(path, 0x00000801u, 1, "labels").data;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= num_classes)
      throw InputError(path + ": bad label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                       "; labels must be in [0, " + std::to_string(num_classes) + ")");
  return labels;
}

}  // namespace normlab
