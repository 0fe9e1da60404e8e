// Spec strings: "kind[:key=value,...]", e.g. "batch:momentum=0.01,eps=1e-3".
//
// Parsed in one place for every family (kind_registry.hpp). A Spec is checked against the keys
// its kind declares (KeyInfo): unknown keys and bad values are InputErrors that name the key and
// list what is valid; missing keys take their defaults.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "norms/core/errors.hpp"

namespace normlab {

// One key a kind accepts, for validation and for `normlab list`.
struct KeyInfo {
  std::string name;
  std::string default_value;  // as written in a spec; "" means required
  std::string doc;
};

class Spec {
 public:
  // Parses the text only; `what` names the family in messages ("normalizer", "model", ...).
  static Spec parse(const std::string& text, const std::string& what);

  const std::string& kind() const { return kind_; }
  const std::string& text() const { return text_; }

  // Rejects keys not in `keys` and fills in defaults; call once before the getters.
  void validate(const std::vector<KeyInfo>& keys);

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  const std::string& raw(const std::string& key) const;
  double get_double(const std::string& key) const;
  // A double, or std::nullopt when the value is "none".
  std::optional<double> get_optional_double(const std::string& key) const;
  long get_int(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  // One of `allowed`.
  std::string get_choice(const std::string& key, const std::vector<std::string>& allowed) const;

  // Fails with a message naming the key, its value and the rule.
  [[noreturn]] void fail(const std::string& key, const std::string& rule) const;

 private:
  std::string what_;
  std::string text_;
  std::string kind_;
  std::map<std::string, std::string> values_;
};

std::string join(const std::vector<std::string>& items, const std::string& sep);

}  // namespace normlab
