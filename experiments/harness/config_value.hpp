// One value of a sweep configuration (a TOML string, integer, float or boolean, or a list of them
// for the keys whose value is a list, e.g. probes = ["ics", "landscape"]), and the
// one place where such values are turned into text: for runs.csv, for manifest.json and for
// the command line's display.
//
// Numbers are written in the shortest form that reads back to the same double (fmt's default,
// the same as Python's repr): 0.1 -> "0.1", 1e-05 -> "1e-05". It is deterministic, so CSV files
// written by different runs, job counts or resumes are byte-identical.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

struct ConfigValue {
  enum class Kind { String, Integer, Float, Bool, List };
  Kind kind = Kind::String;
  std::string text;       // Kind::String
  std::int64_t integer = 0;  // Kind::Integer
  double number = 0;      // Kind::Float
  bool boolean = false;   // Kind::Bool
  std::vector<ConfigValue> items;  // Kind::List (scalars)

  static ConfigValue string(std::string s);
  static ConfigValue integer_value(std::int64_t i);
  static ConfigValue float_value(double d);
  static ConfigValue bool_value(bool b);
  static ConfigValue list(std::vector<ConfigValue> items);

  // The value as a double (Integer or Float).
  double as_double() const { return kind == Kind::Integer ? double(integer) : number; }
  // Plain text: strings as they are, numbers shortest round-trip, booleans true/false; a list's
  // items joined by '+' ("ics+landscape", "" for the empty list), as in labels and runs.csv.
  std::string display() const;
  // A TOML literal (strings quoted, lists as [a, b]), for messages and the manifest's effective configuration.
  std::string toml() const;
  // A JSON literal.
  std::string json() const;
  // The kind's name for messages ("string", "integer", ...).
  const char* kind_name() const;

  bool operator==(const ConfigValue& other) const;
  bool operator!=(const ConfigValue& other) const { return !(*this == other); }
};

// Shortest round-trip text of a double; "nan", "inf", "-inf" for the non-finite values.
std::string shortest_number(double value);
// A JSON string literal with the necessary escapes.
std::string json_string(const std::string& s);

}  // namespace normlab
