#include "experiments/data/text_dataset.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "experiments/data/byte_stream.hpp"
#include "experiments/data/file_reading.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
std::vector<std::int32_t> decode_utf8(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  std::vector<std::int32_t> out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const std::uint8_t b = bytes[i];
    std::size_t length = 0;
    std::int32_t code = 0, minimum = 0;
    if (b < 0x80)
      length = 1, code = b;
    else if ((b & 0xE0) == 0xC0)
      length = 2, code = b & 0x1F, minimum = 0x80;
    else if ((b & 0xF0) == 0xE0)
      length = 3, code = b & 0x0F, minimum = 0x800;
    else if ((b & 0xF8) == 0xF0)
      length = 4, code = b & 0x07, minimum = 0x10000;
    bool valid = length > 0 && i + length <= bytes.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = (bytes[i + k] & 0xC0) == 0x80;
      code = (code << 6) | (bytes[i + k] & 0x3F);
    }
    valid = valid && code >= minimum && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    if (!valid)
      throw InputError(path + ": not valid UTF-8 at byte " + std::to_string(i) +
                       " (a binary file? use encoding=bytes to read it byte by byte)");
    out.push_back(code);
    i += length;
  }
  return out;
}

}  // namespace

std::vector<std::int32_t> read_characters(const std::string& path, bool utf8) {
  ByteStream stream(path);
  std::vector<std::uint8_t> bytes;
  constexpr std::size_t kChunk = std::size_t(1) << 20;
  // Read in chunks up to one byte past the limit, so that an oversized (or gzip-bomb) file is
  // refused without holding more than the limit.
  while (true) {
    const std::size_t before = bytes.size();
    const std::size_t chunk = std::min(kChunk, kMaxTextBytes + 1 - before);
    bytes.resize(before + chunk);
    const std::size_t got = stream.read(bytes.data() + before, chunk);
    bytes.resize(before + got);
    if (bytes.size() > kMaxTextBytes)
      throw InputError(path + ": longer than the " + std::to_string(kMaxTextBytes >> 20) +
                       " MiB a text data set may have");
    if (got < chunk) break;
  }
  if (bytes.empty()) throw InputError(path + ": the text file is empty");
  if (!utf8) return std::vector<std::int32_t>(bytes.begin(), bytes.end());
  return decode_utf8(bytes, path);
}

Dataset text_dataset(const std::vector<std::int32_t>& characters, std::size_t context, double train_fraction,
                     std::size_t train, std::size_t test) {
  const std::size_t n = characters.size();
  const std::size_t train_chars = std::size_t(std::floor(double(n) * train_fraction));
  const std::size_t validation_chars = n - train_chars;
  // A window is context + 1 characters: the inputs and, shifted by one, their next characters.
  if (train_chars < context + 1 || validation_chars < context + 1)
    throw InputError(
        "context=" + std::to_string(context) + " needs windows of " + std::to_string(context + 1) +
        " characters, but the text of " + std::to_string(n) + " characters splits into " +
        std::to_string(train_chars) + " training and " + std::to_string(validation_chars) +
        " validation characters; use a smaller context, a longer text or another train_fraction");

  // The vocabulary of the training part, in code point order.
  std::map<std::int32_t, std::int32_t> ids;
  for (std::size_t i = 0; i < train_chars; ++i)
    ids.emplace(characters[i], 0);
  std::int32_t next = 0;
  for (auto& entry : ids)
    entry.second = next++;
  const std::int32_t unknown = next;
  bool has_unknown = false;

  Dataset data;
  auto fill = [&](Split& split, std::size_t begin, std::size_t end, std::size_t stride, std::size_t limit) {
    split.context = context;
    split.stride = stride;
    // limit windows need (limit - 1)·stride + context + 1 characters.
    if (limit > 0) end = std::min(end, begin + (limit - 1) * stride + context + 1);
    split.tokens.resize(end - begin);
    for (std::size_t i = begin; i < end; ++i) {
      const auto found = ids.find(characters[i]);
      has_unknown = has_unknown || found == ids.end();
      split.tokens[i - begin] = found == ids.end() ? unknown : found->second;
    }
  };
  fill(data.train, 0, train_chars, 1, train);
  fill(data.test, train_chars, n, context, test);
  data.sample_shape = {context};
  data.num_classes = ids.size() + (has_unknown ? 1 : 0);
  data.description = std::to_string(n) + " characters, vocabulary of " + std::to_string(ids.size()) +
                     " from the training part" + (has_unknown ? " (+1 unknown)" : "") + "; " +
                     std::to_string(data.train.size()) + " training windows of " +
                     std::to_string(context + 1) + " characters, " + std::to_string(data.test.size()) +
                     " non-overlapping validation windows";
  return data;
}

void check_text_spec(const Spec& spec) {
  const long context = spec.get_int("context");
  if (context < 1 || context > (1 << 20)) spec.fail("context", "expected an integer in [1, 1048576]");
  const double fraction = spec.get_double("train_fraction");
  if (!(fraction > 0 && fraction < 1)) spec.fail("train_fraction", "expected a number in (0, 1)");
  spec.get_choice("encoding", {"utf8", "bytes"});
  if (spec.get_bool("standardize"))
    spec.fail("standardize", "text has token ids, not features; expected false");
  if (!file_exists(spec.raw("path"))) spec.fail("path", "no such file");
}

Dataset load_text_dataset(const Spec& spec, std::size_t train, std::size_t test, std::uint64_t) {
  check_text_spec(spec);
  const std::string& path = spec.raw("path");
  const bool utf8 = spec.get_choice("encoding", {"utf8", "bytes"}) == "utf8";
  Dataset data = text_dataset(read_characters(path, utf8), std::size_t(spec.get_int("context")),
                              spec.get_double("train_fraction"), train, test);
  data.description = "text " + path + ": " + data.description;
  return data;
}

}  // namespace normlab
