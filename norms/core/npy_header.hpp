// The header dict of a .npy file, parsed by hand after NumPy's format specification
// (numpy.lib.format, versions 1.0, 2.0 and 3.0): a Python dict literal with exactly the keys
// 'descr' (a string), 'fortran_order' (True or False) and 'shape' (a tuple of non-negative
// integers), followed by spaces and a newline.
//
// Each value has its own small grammar, read in one left-to-right pass without recursion or
// backtracking, so the time is linear and the stack bounded for any header length. Stricter than
// Python's literal_eval where numpy's own writer never goes: strings have no escapes or prefixes,
// integers have no '_' or leading zeros, there are no comments, and a key given twice is an error
// (Python would keep the last value; an ambiguous header is refused, naming the key).
#pragma once

#include <string>
#include <string_view>

#include "norms/core/tensor.hpp"

namespace normlab {

// At most this many dimensions (NumPy 2's NPY_MAXDIMS).
inline constexpr std::size_t kNpyMaxDims = 64;

struct NpyHeaderDict {
  std::string descr;
  bool fortran_order = false;
  Shape shape;  // each dim fits in std::size_t; the product is not checked here
};

// Parses `text` (the header bytes after the magic string, version and length). Every problem is
// an InputError "'<path>' is not a usable .npy file: <what was wrong>" on one line.
NpyHeaderDict parse_npy_header_dict(std::string_view text, const std::string& path);

// The InputError above, for the rest of the .npy reader.
[[noreturn]] void throw_npy_error(const std::string& path, const std::string& why);

// `text` as a short, printable, one-line excerpt for messages: at most `max_chars` characters,
// non-printable bytes as \xNN, "..." when cut.
std::string printable_excerpt(std::string_view text, std::size_t max_chars = 40);

}  // namespace normlab
