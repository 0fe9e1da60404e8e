#include "experiments/data/byte_stream.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "experiments/data/file_reading.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

gzFile as_gz(void* file) {
  return static_cast<gzFile>(file);
}

}  // namespace

ByteStream::ByteStream(const std::string& path) : path_(path), file_(nullptr) {
  if (!file_exists(path)) throw InputError(path + ": file not found");
  file_ = gzopen(path.c_str(), "rb");
  if (!file_) throw InputError(path + ": cannot open for reading: " + std::strerror(errno));
  gzbuffer(as_gz(file_), 1 << 17);
}

ByteStream::~ByteStream() {
  if (file_) gzclose(as_gz(file_));
}

std::size_t ByteStream::read(std::uint8_t* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const unsigned want = unsigned(std::min<std::size_t>(n - done, 1u << 20));
    const int got = gzread(as_gz(file_), out + done, want);
    if (got < 0) {
      int code = 0;
      throw InputError(path_ + ": corrupt gzip data (" + gzerror(as_gz(file_), &code) + ")");
    }
    done += std::size_t(got);
    if (unsigned(got) < want) break;
  }
  if (done < n) {
    // A gzip stream cut short reads as a clean end of file; zlib reports it through gzerror.
    int code = Z_OK;
    const std::string message = gzerror(as_gz(file_), &code);
    if (code != Z_OK && code != Z_STREAM_END)
      throw InputError(path_ + ": corrupt or truncated gzip data (" + message + ")");
  }
  return done;
}

std::vector<std::uint8_t> ByteStream::read_exactly(std::size_t n, const std::string& what) {
  std::vector<std::uint8_t> bytes;
  constexpr std::size_t kChunk = std::size_t(1) << 20;
  while (bytes.size() < n) {
    const std::size_t chunk = std::min(kChunk, n - bytes.size()), before = bytes.size();
    // Geometric growth, but never past n: memory follows the data actually present.
    if (before + chunk > bytes.capacity())
      bytes.reserve(std::min(n, std::max(2 * bytes.capacity(), before + chunk)));
    bytes.resize(before + chunk);
    const std::size_t got = read(bytes.data() + before, chunk);
    bytes.resize(before + got);
    if (got < chunk)
      throw InputError(path_ + ": wrong length: the data ends after " + std::to_string(bytes.size()) +
                       " of the " + std::to_string(n) + " bytes " + what + " (truncated)");
  }
  return bytes;
}

void ByteStream::expect_end(std::size_t expected, const std::string& what) {
  std::uint8_t extra = 0;
  if (read(&extra, 1) != 0)
    throw InputError(path_ + ": wrong length: more than the " + std::to_string(expected) + " bytes " + what +
                     " (trailing data)");
}

}  // namespace normlab
