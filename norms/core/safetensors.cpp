#include "norms/core/safetensors.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <stdexcept>

#include "norms/core/errors.hpp"

// Tensors are copied to and from the file as raw bytes, which is only right on a little-endian host.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors I/O assumes a little-endian host");

namespace normlab {

namespace {

// safetensors' own reader refuses headers over 100 MB; so does this one, before allocating.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

// A recursive-descent parser of the subset of JSON a safetensors header uses: objects, arrays,
// strings and non-negative integers. Every read is bounds-checked; errors name the file.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& file) : text_(text), file_(file) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(file_ + ": not a valid safetensors file: " + what + " (header byte " +
                     std::to_string(pos_) + ")");
  }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t'))
      ++pos_;
  }
  bool at_end() {
    skip_space();
    return pos_ == text_.size();
  }
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          append_utf8(out, hex4());
          break;
        default:
          fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  std::uint64_t integer() {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
      fail("expected a non-negative integer");
    std::uint64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const unsigned digit = unsigned(text_[pos_++] - '0');
      if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) fail("integer out of range");
      value = value * 10 + digit;
    }
    if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E'))
      fail("expected an integer, not a fraction");
    return value;
  }

  std::vector<std::uint64_t> integer_array() {
    std::vector<std::uint64_t> values;
    expect('[');
    if (peek(']')) {
      ++pos_;
      return values;
    }
    while (true) {
      values.push_back(integer());
      if (peek(',')) {
        ++pos_;
        continue;
      }
      expect(']');
      return values;
    }
  }

  // Calls member(key) for every key of an object; member must consume the value.
  template <class F>
  void object(F member) {
    expect('{');
    if (peek('}')) {
      ++pos_;
      return;
    }
    while (true) {
      const std::string key = string();
      expect(':');
      member(key);
      if (peek(',')) {
        ++pos_;
        continue;
      }
      expect('}');
      return;
    }
  }

 private:
  unsigned hex4() {
    if (text_.size() - pos_ < 4) fail("short \\u escape");
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        value |= unsigned(c - 'A' + 10);
      else
        fail("bad \\u escape");
    }
    return value;
  }
  void append_utf8(std::string& out, unsigned code) {
    if (code >= 0xD800 && code <= 0xDBFF) {  // a surrogate pair: the low half must follow
      if (text_.compare(pos_, 2, "\\u") != 0) fail("unpaired surrogate");
      pos_ += 2;
      const unsigned low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate");
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    } else if (code >= 0xDC00 && code <= 0xDFFF) {
      fail("unpaired surrogate");
    }
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xC0 | (code >> 6));
      out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += char(0xE0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    } else {
      out += char(0xF0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3F));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    }
  }

  const std::string& text_;
  const std::string& file_;
  std::size_t pos_ = 0;
};

bool parse_dtype(const std::string& name, SafeDtype& dtype) {
  if (name == "F32")
    dtype = SafeDtype::F32;
  else if (name == "F64")
    dtype = SafeDtype::F64;
  else if (name == "I64")
    dtype = SafeDtype::I64;
  else
    return false;
  return true;
}

}  // namespace

std::size_t safe_dtype_size(SafeDtype dtype) {
  return dtype == SafeDtype::F32 ? 4 : 8;
}

const char* safe_dtype_name(SafeDtype dtype) {
  switch (dtype) {
    case SafeDtype::F32:
      return "F32";
    case SafeDtype::F64:
      return "F64";
    case SafeDtype::I64:
      return "I64";
  }
  return "?";
}

const SafeTensor* SafetensorsFile::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

std::string SafetensorsFile::meta(const std::string& key) const {
  for (const auto& [k, v] : metadata)
    if (k == key) return v;
  return "";
}

std::string encode_safetensors(const SafetensorsFile& file) {
  std::string header = "{", data;
  std::set<std::string> names;
  for (const auto& t : file.tensors) {
    if (t.name.empty() || t.name == "__metadata__" || !names.insert(t.name).second)
      throw std::invalid_argument("safetensors: bad or repeated tensor name '" + t.name + "'");
    std::size_t count = 1;
    for (std::size_t d : t.shape)
      count *= d;
    if (t.bytes.size() != count * safe_dtype_size(t.dtype))
      throw std::invalid_argument("safetensors: tensor '" + t.name + "' has " +
                                  std::to_string(t.bytes.size()) + " bytes for its shape");
    std::string shape;
    for (std::size_t d : t.shape)
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    header += (header.size() > 1 ? "," : "") + json_string(t.name) + ":{\"dtype\":\"" +
              safe_dtype_name(t.dtype) + "\",\"shape\":[" + shape + "],\"data_offsets\":[" +
              std::to_string(data.size()) + "," + std::to_string(data.size() + t.bytes.size()) + "]}";
    data += t.bytes;
  }
  if (!file.metadata.empty()) {
    header += std::string(header.size() > 1 ? "," : "") + "\"__metadata__\":{";
    for (std::size_t i = 0; i < file.metadata.size(); ++i)
      header +=
          (i ? "," : "") + json_string(file.metadata[i].first) + ":" + json_string(file.metadata[i].second);
    header += "}";
  }
  header += "}";
  // Padded with spaces so that the data starts 8-byte aligned (numpy.frombuffer views need no copy).
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[std::size_t(i)] = char((n >> (8 * i)) & 0xFF);
  return out + header + data;
}

SafetensorsFile decode_safetensors(const std::string& bytes, const std::string& file_name) {
  const auto bad = [&](const std::string& what) -> InputError {
    return InputError(file_name + ": not a valid safetensors file: " + what);
  };
  if (bytes.size() < 8)
    throw bad("only " + std::to_string(bytes.size()) + " bytes, shorter than the 8-byte header length");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | static_cast<unsigned char>(bytes[std::size_t(i)]);
  if (n > kMaxHeaderBytes) throw bad("header length " + std::to_string(n) + " is over the 100 MB limit");
  if (n > bytes.size() - 8)
    throw bad("header length " + std::to_string(n) + " exceeds the " + std::to_string(bytes.size() - 8) +
              " bytes after it (truncated?)");
  const std::string header = bytes.substr(8, std::size_t(n));
  const std::size_t data_begin = 8 + std::size_t(n), data_size = bytes.size() - data_begin;

  SafetensorsFile file;
  struct Span {
    std::uint64_t begin, end;
    std::size_t tensor;
  };
  std::vector<Span> spans;
  HeaderParser parser(header, file_name);
  if (!parser.peek('{')) parser.fail("the header is not a JSON object");
  parser.object([&](const std::string& name) {
    if (name == "__metadata__") {
      if (!file.metadata.empty()) parser.fail("two __metadata__ entries");
      parser.object([&](const std::string& key) { file.metadata.emplace_back(key, parser.string()); });
      return;
    }
    if (name.empty() || file.find(name)) parser.fail("empty or repeated tensor name '" + name + "'");
    SafeTensor t;
    t.name = name;
    bool has_dtype = false, has_shape = false, has_offsets = false;
    std::vector<std::uint64_t> offsets;
    parser.object([&](const std::string& field) {
      if (field == "dtype") {
        const std::string dtype = parser.string();
        if (!parse_dtype(dtype, t.dtype))
          parser.fail("tensor '" + name + "' has dtype " + dtype + "; expected F32, F64 or I64");
        has_dtype = true;
      } else if (field == "shape") {
        for (std::uint64_t d : parser.integer_array()) {
          if (d > std::numeric_limits<std::size_t>::max()) parser.fail("dimension out of range");
          t.shape.push_back(std::size_t(d));
        }
        has_shape = true;
      } else if (field == "data_offsets") {
        offsets = parser.integer_array();
        has_offsets = true;
      } else {
        parser.fail("tensor '" + name + "' has an unknown field '" + field + "'");
      }
    });
    if (!has_dtype || !has_shape || !has_offsets)
      parser.fail("tensor '" + name + "' lacks dtype, shape or data_offsets");
    if (offsets.size() != 2 || offsets[0] > offsets[1])
      parser.fail("tensor '" + name + "' has bad data_offsets");
    if (offsets[1] > data_size)
      throw bad("tensor '" + name + "' ends at data byte " + std::to_string(offsets[1]) +
                " but the file holds " + std::to_string(data_size) + " (truncated?)");
    std::uint64_t expected = safe_dtype_size(t.dtype);
    for (std::size_t d : t.shape) {
      if (d != 0 && expected > std::numeric_limits<std::uint64_t>::max() / d)
        parser.fail("tensor '" + name + "' is too large");
      expected *= d;
    }
    if (offsets[1] - offsets[0] != expected)
      throw bad("tensor '" + name + "' has " + std::to_string(offsets[1] - offsets[0]) +
                " bytes but its dtype and shape need " + std::to_string(expected));
    spans.push_back({offsets[0], offsets[1], file.tensors.size()});
    file.tensors.push_back(std::move(t));
  });
  if (!parser.at_end()) parser.fail("trailing characters after the header object");

  // The tensors must not overlap (the format also asks that they cover the data without gaps).
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::uint64_t covered = 0;
  for (const Span& s : spans) {
    if (s.begin != covered)
      throw bad("tensor '" + file.tensors[s.tensor].name + "' overlaps another or leaves a gap");
    covered = s.end;
  }
  if (covered != data_size) throw bad(std::to_string(data_size - covered) + " bytes after the last tensor");
  std::vector<SafeTensor> ordered;
  for (const Span& s : spans) {
    SafeTensor& t = file.tensors[s.tensor];
    t.bytes = bytes.substr(data_begin + std::size_t(s.begin), std::size_t(s.end - s.begin));
    ordered.push_back(std::move(t));
  }
  file.tensors = std::move(ordered);
  std::sort(file.metadata.begin(), file.metadata.end());
  return file;
}

SafetensorsFile read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError(path + ": cannot read the file");
  return decode_safetensors(bytes, path);
}

}  // namespace normlab
