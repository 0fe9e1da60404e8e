#include "experiments/harness/manifest_reader.hpp"

#include <cctype>
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

// The position after `"key": ` inside text[from, to), or npos.
std::size_t find_member(const std::string& text, const std::string& key, std::size_t from = 0,
                        std::size_t to = std::string::npos) {
  const auto at = text.find("\"" + key + "\": ", from);
  return at == std::string::npos || at >= to ? std::string::npos : at + key.size() + 4;
}

std::size_t count_at(const std::string& text, std::size_t at) {
  std::size_t value = 0;
  while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])))
    value = value * 10 + std::size_t(text[at++] - '0');
  return value;
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

ManifestSummary read_manifest_summary(const std::string& path) {
  ManifestSummary m;
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception&) {
    return m;
  }
  m.exists = true;
  try {
    if (std::size_t at = find_member(text, "name"); at != std::string::npos && text[at] == '"')
      m.name = decode_string(text, at, path);
    if (std::size_t at = find_member(text, "state"); at != std::string::npos && text[at] == '"')
      m.state = decode_string(text, at, path);
    if (const std::size_t view = find_member(text, "view"); view != std::string::npos) {
      const std::size_t end = text.find('}', view);
      if (std::size_t at = find_member(text, "id", view, end); at != std::string::npos && text[at] == '"')
        m.view_id = decode_string(text, at, path);
      if (const std::size_t at = find_member(text, "selected", view, end); at != std::string::npos)
        m.selected = count_at(text, at);
      if (const std::size_t at = find_member(text, "done", view, end); at != std::string::npos) m.done = count_at(text, at);
    }
  } catch (const InputError&) {  // a torn or foreign file: what could be read is what is known
  }
  return m;
}

std::string incomplete_note(const ManifestSummary& m, bool locked) {
  if (!m.exists || m.state == "complete") return "";
  const std::string counts = std::to_string(m.done) + "/" + std::to_string(m.selected) + " runs done";
  if (m.state == "running" && locked) return "running: " + counts + " so far; the tables grow as runs finish";
  return "interrupted: " + counts + "; rerun the same command to resume";
}

}  // namespace normlab
