// Reading and writing safetensors files (https://github.com/huggingface/safetensors), the format
// of normlab's checkpoints:
//
//   8 bytes    N, the header length, little-endian unsigned
//   N bytes    a JSON object: {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]},
//              ..., "__metadata__": {"<key>": "<string value>"}}, padded with spaces
//   the rest   the tensors' raw little-endian bytes; [b, e) is relative to the end of the header
//
// Only F32, F64 and I64 are written or read (what normlab's state is made of). The reader trusts
// nothing in the file: every length and offset is checked against the real file size, with
// overflow checks, and every problem is an InputError naming the file and what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace normlab {

enum class SafeDtype { F32, F64, I64 };

std::size_t safe_dtype_size(SafeDtype dtype);
const char* safe_dtype_name(SafeDtype dtype);

struct SafeTensor {
  std::string name;
  SafeDtype dtype = SafeDtype::F32;
  std::vector<std::size_t> shape;
  std::string bytes;  // little-endian values, C order; size = product(shape) * dtype size
};

struct SafetensorsFile {
  std::vector<SafeTensor> tensors;                            // in file order (by data offset)
  std::vector<std::pair<std::string, std::string>> metadata;  // __metadata__, sorted by key

  const SafeTensor* find(const std::string& name) const;
  // The metadata value of `key`, or "" if absent.
  std::string meta(const std::string& key) const;
};

// The file's bytes. Names must be unique, non-empty and not "__metadata__"; a tensor's byte count
// must match its shape (std::invalid_argument otherwise: a programming error).
std::string encode_safetensors(const SafetensorsFile& file);
// Parses `bytes`, read from `file_name` (named in the messages).
SafetensorsFile decode_safetensors(const std::string& bytes, const std::string& file_name);
// Reads and parses a file; a missing or unreadable file is an InputError too.
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace normlab
