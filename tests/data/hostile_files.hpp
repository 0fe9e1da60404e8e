// Hostile data files for the IDX and CIFAR-10 readers' tests: raw IDX headers and gzip bombs
// built from concatenated gzip members (one stream to zlib), so that a file of about a megabyte
// decompresses to a gigabyte without the test spending time compressing it.
#pragma once

#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace normlab::testing {

using Bytes = std::vector<std::uint8_t>;

inline void put_u32(Bytes& bytes, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    bytes.push_back(std::uint8_t(v >> shift));
}

inline Bytes idx_header(std::uint32_t magic, const std::vector<std::uint32_t>& sizes) {
  Bytes bytes;
  put_u32(bytes, magic);
  for (auto s : sizes)
    put_u32(bytes, s);
  return bytes;
}

// One gzip member holding `bytes`.
inline std::string gzip_member(const Bytes& bytes) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, uLong(bytes.size())), '\0');
  z.next_in = const_cast<Bytef*>(bytes.data());
  z.avail_in = uInt(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A gzip file: a member with `head`, then `repeats` members of `block` (concatenated gzip members
// are one stream to zlib), so a file of about a megabyte can hold a gigabyte.
inline void write_gz_bomb(const std::string& path, const Bytes& head, const Bytes& block,
                          std::size_t repeats) {
  std::string bytes = gzip_member(head);
  const std::string member = gzip_member(block);
  for (std::size_t i = 0; i < repeats; ++i)
    bytes += member;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  std::fclose(f);
}

inline void write_raw(const std::string& path, const Bytes& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

}  // namespace normlab::testing
