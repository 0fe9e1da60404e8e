// Character-level text: `text:path=FILE,context=T` reads a UTF-8 (or, with encoding=bytes, a byte)
// file, plain or gzipped, splits it by position (the first train_fraction for training, the rest
// for validation, as nanoGPT does), builds the vocabulary from the training part (characters in
// code point order; validation characters the training part lacks map to one extra "unknown"
// id), and serves windows of T + 1 characters: training windows at every offset, shuffled from
// the run's seed, and fixed non-overlapping validation windows, so evaluation is deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/data/dataset.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

// Files larger than this (after decompression) are refused before they are held in memory.
constexpr std::size_t kMaxTextBytes = std::size_t(256) << 20;

// The characters of a file: Unicode code points (encoding utf8) or bytes. InputError naming the
// file for a missing, empty, oversized, corrupt (gzip) or invalid UTF-8 file.
std::vector<std::int32_t> read_characters(const std::string& path, bool utf8);

// The splits of a character sequence, as described above. train/test limit the training windows
// and validation windows (0 = all). InputError when either part is shorter than a window.
Dataset text_dataset(const std::vector<std::int32_t>& characters, std::size_t context, double train_fraction,
                     std::size_t train, std::size_t test);

// The "text" kind: reads spec.raw("path") and calls text_dataset.
Dataset load_text_dataset(const Spec& spec, std::size_t train, std::size_t test, std::uint64_t seed);
// The value checks of the text kind's keys (context, train_fraction, encoding) and that the file exists.
void check_text_spec(const Spec& spec);

}  // namespace normlab
