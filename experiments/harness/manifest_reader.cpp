#include "experiments/harness/manifest_reader.hpp"

#include <cstdint>

#include "experiments/harness/atomic_file.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

// A JSON string literal starting at text[at] == '"', decoded; `at` is moved past it.
std::string decode_string(const std::string& text, std::size_t& at, const std::string& file) {
  if (at >= text.size() || text[at] != '"') throw InputError(file + ": expected a JSON string at byte " + std::to_string(at));
  std::string out;
  for (++at; at < text.size(); ++at) {
    const char c = text[at];
    if (c == '"') {
      ++at;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++at >= text.size()) break;
    switch (text[at]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        if (at + 4 >= text.size()) throw InputError(file + ": a truncated \\u escape");
        const unsigned code = unsigned(std::stoul(text.substr(at + 1, 4), nullptr, 16));
        at += 4;
        // What json_string() escapes is below 0x20; write the code point as UTF-8 all the same.
        if (code < 0x80) {
          out += char(code);
        } else if (code < 0x800) {
          out += char(0xC0 | (code >> 6)), out += char(0x80 | (code & 0x3F));
        } else {
          out += char(0xE0 | (code >> 12)), out += char(0x80 | ((code >> 6) & 0x3F)), out += char(0x80 | (code & 0x3F));
        }
        break;
      }
      default: out += text[at];  // \" \\ \/
    }
  }
  throw InputError(file + ": an unterminated JSON string");
}

// The position just after `"key": ` among the top-level members (two-space indent, one per line).
std::size_t member(const std::string& text, const std::string& key, const std::string& file) {
  const std::string marker = "\n  \"" + key + "\": ";
  const auto at = text.find(marker);
  if (at == std::string::npos) throw InputError(file + ": no \"" + key + "\" (is this a manifest.json of normlab run?)");
  return at + marker.size();
}

}  // namespace

ManifestSweep read_manifest_sweep(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception&) {
    throw InputError(path + ": cannot read (is this a results directory of normlab run?)");
  }
  ManifestSweep m;
  std::size_t at = member(text, "name", path);
  m.name = decode_string(text, at, path);
  at = member(text, "config_file", path);
  m.config_file = decode_string(text, at, path);
  at = member(text, "config_text", path);
  m.config_text = decode_string(text, at, path);
  at = member(text, "quick", path);
  m.quick = text.compare(at, 4, "true") == 0;
  at = member(text, "set", path);
  if (text[at] != '[') throw InputError(path + ": \"set\" is not a list");
  for (++at; at < text.size() && text[at] != ']';) {
    if (text[at] == '"')
      m.sets.push_back(decode_string(text, at, path));
    else
      ++at;
  }
  if (text.find("\n  \"shard\": ") != std::string::npos) {
    at = member(text, "shard", path);
    if (text[at] == '"') m.shard = decode_string(text, at, path);
  }
  return m;
}

SweepConfig ManifestSweep::config() const { return parse_sweep_config(config_file, config_text, sets, quick); }

}  // namespace normlab
