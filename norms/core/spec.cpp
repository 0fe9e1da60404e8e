#include "norms/core/spec.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "norms/core/errors.hpp"

namespace normlab {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// The first byte of `text` that is a control character other than a tab, or npos. Messages quote
// specs, so a newline in one would break the one-line rule for every message after it.
std::size_t find_control_character(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return i;
  }
  return std::string::npos;
}

}  // namespace

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

Spec Spec::parse(const std::string& text, const std::string& what) {
  Spec spec;
  spec.what_ = what;
  spec.text_ = text;
  if (const auto bad = find_control_character(text); bad != std::string::npos) {
    char code[8];
    std::snprintf(code, sizeof code, "\\x%02x", static_cast<unsigned char>(text[bad]));
    throw InputError(what + " spec '" + text.substr(0, std::min<std::size_t>(bad, 60)) +
                     "...' holds the control character " + code + " at position " + std::to_string(bad) +
                     "; expected kind[:key=value,...] on one line");
  }
  const auto colon = text.find(':');
  spec.kind_ = trim(text.substr(0, colon));
  if (spec.kind_.empty())
    throw InputError(what + " spec '" + text + "' has no kind; expected kind[:key=value,...]");
  if (colon == std::string::npos) return spec;
  std::string rest = text.substr(colon + 1);
  std::size_t start = 0;
  while (start <= rest.size()) {
    auto comma = rest.find(',', start);
    if (comma == std::string::npos) comma = rest.size();
    const std::string item = trim(rest.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) {
      if (comma == rest.size()) break;
      throw InputError(what + " spec '" + text + "' has an empty key=value item");
    }
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      throw InputError(what + " spec '" + text + "': '" + item + "' is not key=value");
    const std::string key = trim(item.substr(0, eq));
    const std::string value = trim(item.substr(eq + 1));
    if (key.empty() || value.empty())
      throw InputError(what + " spec '" + text + "': '" + item + "' needs both a key and a value");
    if (spec.values_.count(key))
      throw InputError(what + " spec '" + text + "' gives key '" + key + "' twice");
    spec.values_[key] = value;
  }
  return spec;
}

void Spec::validate(const std::vector<KeyInfo>& keys) {
  std::vector<std::string> names;
  for (const auto& k : keys) names.push_back(k.name);
  for (const auto& [key, value] : values_) {
    bool known = false;
    for (const auto& k : keys) known = known || k.name == key;
    if (!known)
      throw InputError(what_ + " '" + kind_ + "' has no key '" + key + "'; valid keys: " +
                       (names.empty() ? std::string("none") : join(names, ", ")));
  }
  for (const auto& k : keys) {
    if (values_.count(k.name)) continue;
    if (k.default_value.empty())
      throw InputError(what_ + " '" + kind_ + "' needs key '" + k.name + "' (" + k.doc + ")");
    values_[k.name] = k.default_value;
  }
}

const std::string& Spec::raw(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw InputError(what_ + " '" + kind_ + "' has no value for key '" + key + "'");
  return it->second;
}

void Spec::fail(const std::string& key, const std::string& rule) const {
  throw InputError(what_ + " spec '" + text_ + "': " + key + "=" + raw(key) + " is invalid; " + rule);
}

double Spec::get_double(const std::string& key) const {
  const std::string& s = raw(key);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
    fail(key, "expected a finite number");
  return v;
}

std::optional<double> Spec::get_optional_double(const std::string& key) const {
  if (raw(key) == "none") return std::nullopt;
  const std::string& s = raw(key);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v)) fail(key, "expected a finite number or none");
  return v;
}

long Spec::get_int(const std::string& key) const {
  const std::string& s = raw(key);
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0' || errno == ERANGE) fail(key, "expected an integer");
  return v;
}

bool Spec::get_bool(const std::string& key) const {
  const std::string& s = raw(key);
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  fail(key, "expected true or false");
}

std::string Spec::get_choice(const std::string& key, const std::vector<std::string>& allowed) const {
  const std::string& s = raw(key);
  for (const auto& a : allowed)
    if (a == s) return s;
  fail(key, "allowed: " + join(allowed, ", "));
}

}  // namespace normlab
