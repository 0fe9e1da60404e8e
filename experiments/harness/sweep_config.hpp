// A sweep configuration: a TOML file whose keys (config_keys.hpp) each hold a value or a list of
// values (a sweep axis), a [quick] table of overrides used by --quick, and --set overrides from
// the command line, applied in that order. Every problem is an InputError that names the file
// (or --set), the key and what is allowed; nothing is checked later that could be checked here.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "experiments/harness/config_value.hpp"

namespace normlab {

struct SweepAxis {
  std::string key;
  std::vector<ConfigValue> values;  // one value when the key is not swept
  bool listed = false;              // given as a TOML array
  std::string source;               // "FILE", "FILE [quick]" or "--set", for messages
};

struct SweepConfig {
  std::string file;       // as given on the command line
  std::string file_text;  // the file's content, for the manifest
  std::string name;
  std::string description;
  bool quick = false;
  std::vector<std::string> sets;  // the --set arguments as given
  std::vector<SweepAxis> axes;    // every non-text key that has a value, in config_keys() order

  const SweepAxis* find(const std::string& key) const;
};

// Reads and checks the file, applies [quick] when `quick` and then every "key=value" of `sets`
// (the value is TOML; text that is not valid TOML is taken as an unquoted string).
SweepConfig load_sweep_config(const std::string& file, const std::vector<std::string>& sets, bool quick);

// The same from TOML text (for tests); `file` only names it in messages.
SweepConfig parse_sweep_config(const std::string& file, const std::string& text, const std::vector<std::string>& sets,
                               bool quick);

}  // namespace normlab
