#include "norms/core/npy_header.hpp"

#include <cstdio>
#include <limits>

#include "norms/core/errors.hpp"

namespace normlab {

void throw_npy_error(const std::string& path, const std::string& why) {
  throw InputError("'" + path + "' is not a usable .npy file: " + why);
}

std::string printable_excerpt(std::string_view text, std::size_t max_chars) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < max_chars; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += char(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  if (text.size() > max_chars) out += "...";
  return out;
}

namespace {

enum Key { kDescr, kFortranOrder, kShape, kKeyCount };
constexpr const char* kKeyNames[kKeyCount] = {"descr", "fortran_order", "shape"};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_identifier_char(char c) {
  return is_digit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// Python's whitespace between tokens inside brackets (newlines included).
bool is_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// One pass over the header text. Each read_* consumes one value of its grammar from pos_ or
// fails naming the byte offset; no method recurses or looks back.
class HeaderReader {
 public:
  HeaderReader(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  NpyHeaderDict read_dict() {
    NpyHeaderDict dict;
    bool seen[kKeyCount] = {false, false, false};
    skip_whitespace();
    if (at_end() || peek() != '{') unexpected("'{' (the header must be a Python dict literal)");
    ++pos_;
    skip_whitespace();
    bool closed = false;
    if (!at_end() && peek() == '}') {
      ++pos_;
      closed = true;
    }
    while (!closed) {
      const Key key = read_key();
      if (seen[key]) fail("key '" + std::string(kKeyNames[key]) + "' appears twice");
      seen[key] = true;
      skip_whitespace();
      if (at_end() || peek() != ':') unexpected("':' after a key");
      ++pos_;
      skip_whitespace();
      if (key == kDescr) dict.descr = read_descr();
      if (key == kFortranOrder) dict.fortran_order = read_bool();
      if (key == kShape) dict.shape = read_shape();
      skip_whitespace();
      if (at_end() || (peek() != ',' && peek() != '}')) unexpected("',' or '}' after a value");
      if (peek() == ',') {
        ++pos_;
        skip_whitespace();
        if (at_end() || peek() != '}') continue;
      }
      ++pos_;  // the '}'
      closed = true;
    }
    skip_whitespace();
    if (!at_end()) unexpected("only spaces and a newline after the closing '}'");
    for (int key = 0; key < kKeyCount; ++key)
      if (!seen[key]) throw_npy_error(path_, std::string("header has no '") + kKeyNames[key] + "'");
    return dict;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void skip_whitespace() {
    while (!at_end() && is_whitespace(peek()))
      ++pos_;
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw_npy_error(path_, why + " at byte " + std::to_string(pos_) + " of the header");
  }
  [[noreturn]] void unexpected(const std::string& expected) const {
    if (at_end()) fail("header ends early; expected " + expected);
    fail("unexpected '" + printable_excerpt(text_.substr(pos_, 1)) + "'; expected " + expected);
  }

  // A quoted string without escapes: '...' or "...", on one line.
  std::string read_string(const char* what) {
    if (at_end() || (peek() != '\'' && peek() != '"')) unexpected(std::string("a quoted string for ") + what);
    const char quote = peek();
    const std::size_t start = ++pos_;
    for (; !at_end(); ++pos_) {
      const char c = peek();
      if (c == quote) return std::string(text_.substr(start, pos_++ - start));
      if (c == '\\') fail(std::string("escape sequences are not supported in ") + what);
      if (c == '\n') break;
    }
    pos_ = start - 1;
    fail(std::string("unterminated string (") + what + ")");
  }

  Key read_key() {
    const std::size_t start = pos_;
    const std::string name = read_string("a key");
    for (int key = 0; key < kKeyCount; ++key)
      if (name == kKeyNames[key]) return Key(key);
    pos_ = start;
    fail("key '" + printable_excerpt(name) + "' is not one of 'descr', 'fortran_order', 'shape'");
  }

  std::string read_descr() {
    if (!at_end() && (peek() == '[' || peek() == '{'))
      fail("'descr' is a structured dtype; only float32 (<f4) and float64 (<f8) are supported");
    return read_string("'descr'");
  }

  bool read_bool() {
    for (const bool value : {true, false}) {
      const std::string_view word = value ? "True" : "False";
      if (text_.substr(pos_, word.size()) == word &&
          (pos_ + word.size() == text_.size() || !is_identifier_char(text_[pos_ + word.size()]))) {
        pos_ += word.size();
        return value;
      }
    }
    unexpected("True or False for 'fortran_order'");
  }

  // "()", "(n,)" or "(n, m, ...)" with an optional trailing comma.
  Shape read_shape() {
    if (at_end() || peek() != '(') unexpected("a tuple for 'shape', e.g. (3, 4)");
    ++pos_;
    Shape shape;
    skip_whitespace();
    if (!at_end() && peek() == ')') {
      ++pos_;
      return shape;
    }
    for (;;) {
      if (shape.size() == kNpyMaxDims)
        fail("'shape' has more than " + std::to_string(kNpyMaxDims) + " dimensions");
      shape.push_back(read_dim());
      skip_whitespace();
      if (at_end() || (peek() != ',' && peek() != ')')) unexpected("',' or ')' in 'shape'");
      if (peek() == ')') {
        if (shape.size() == 1) fail("'shape' is a parenthesized integer, not a tuple (a 1-d shape is (n,))");
        ++pos_;
        return shape;
      }
      ++pos_;  // the ','
      skip_whitespace();
      if (!at_end() && peek() == ')') {
        ++pos_;
        return shape;
      }
    }
  }

  // The text from `start` up to the next separator, for messages.
  std::string_view token_at(std::size_t start) const {
    const std::size_t end = text_.find_first_of(",) \t\n\r\f", start);
    return text_.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  }

  // A non-negative decimal integer that fits in std::size_t.
  std::size_t read_dim() {
    if (!at_end() && peek() == '-') fail("'shape' has a negative dimension");
    if (at_end() || !is_digit(peek())) unexpected("a non-negative integer dimension in 'shape'");
    const std::size_t start = pos_;
    std::size_t value = 0;
    constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
    for (; !at_end() && is_digit(peek()); ++pos_) {
      const std::size_t digit = std::size_t(peek() - '0');
      if (value > (max - digit) / 10) {
        pos_ = start;
        fail("'shape' dimension " + printable_excerpt(token_at(start), 24) + " does not fit in 64 bits");
      }
      value = value * 10 + digit;
    }
    if (!at_end() && (is_identifier_char(peek()) || peek() == '.')) {
      pos_ = start;
      fail("'shape' dimension '" + printable_excerpt(token_at(start), 24) +
           "' is not a non-negative integer");
    }
    if (text_[start] == '0' && pos_ - start > 1) {
      const std::string digits(text_.substr(start, pos_ - start));
      pos_ = start;
      fail("'shape' dimension '" + printable_excerpt(digits, 24) + "' has a leading zero");
    }
    return value;
  }

  std::string_view text_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

}  // namespace

NpyHeaderDict parse_npy_header_dict(std::string_view text, const std::string& path) {
  return HeaderReader(text, path).read_dict();
}

}  // namespace normlab
