// The keys of a sweep configuration: their types, defaults and documentation. The order of this
// table is the order of the columns of runs.csv and the nesting order of the sweep (the first
// key is the outermost loop, the last the innermost).
#pragma once

#include <string>
#include <vector>

#include "experiments/harness/config_value.hpp"

namespace normlab {

enum class KeyType {
  Spec,         // a spec string kind[:key=value,...]
  Choice,       // one of `choices`
  Bias,         // auto | true | false, as a string or a TOML boolean
  Count,        // integer >= 1
  Natural,      // integer >= 0
  Positive,     // number > 0 (an integer is accepted)
  Bool,
  Text,         // free text (name, description): never a sweep axis
  SpecList,     // a list of spec strings as ONE value (probes = ["ics"]); a list of lists is an axis
  NumberList,   // a list of numbers > 0 as ONE value (probe_lrs); a list of lists is an axis
};

struct ConfigKey {
  std::string name;
  KeyType type;
  std::string default_value;  // TOML text; "" when the key has no default (steps, epochs)
  bool always_column;         // always a runs.csv column; other keys only when swept
  std::string doc;
  std::vector<std::string> choices;  // Choice
};

const std::vector<ConfigKey>& config_keys();
// null when unknown
const ConfigKey* find_config_key(const std::string& name);
std::string config_key_names();  // "norm, placement, ..." for messages
// The keys that can be sweep axes, in nesting order, comma-separated in lines of at most `width`.
std::string sweep_axis_order(std::size_t width);
// What a key accepts, for messages: "a positive integer", "one of pre, post, none", ...
std::string describe_allowed(const ConfigKey& key);

}  // namespace normlab
