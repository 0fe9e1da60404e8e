// A data file read front to back, gunzipped on the fly when it is gzip-compressed (zlib reads
// plain files unchanged). Readers take from it exactly what a header says the file holds, so that
// no file (a gzip bomb included) makes them hold more than that in memory.
// Problems with the file are InputErrors that name it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

class ByteStream {
 public:
  explicit ByteStream(const std::string& path);  // InputError if missing or unreadable
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to `n` bytes into `out`; returns how many, fewer only at the end of the data.
  // A corrupt or cut-off gzip stream is an InputError.
  std::size_t read(std::uint8_t* out, std::size_t n);

  // Reads exactly `n` more bytes (in chunks; the buffer never grows beyond `n`). Throws an
  // InputError "<path>: wrong length: ... (truncated)" when the data ends first; `what` says
  // what the bytes are, e.g. "of pixels that its header (12 images of 4 x 3) describes".
  std::vector<std::uint8_t> read_exactly(std::size_t n, const std::string& what);

  // Throws an InputError "<path>: wrong length: ... (trailing data)" unless the data ends here;
  // reads at most one byte to find out. `expected` is the file's length by its header.
  void expect_end(std::size_t expected, const std::string& what);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* file_;  // gzFile, kept out of the header
};

}  // namespace normlab
