#include "experiments/harness/config_value.hpp"

#include <cmath>

#include <fmt/format.h>

namespace normlab {

ConfigValue ConfigValue::string(std::string s) {
  ConfigValue v;
  v.kind = Kind::String;
  v.text = std::move(s);
  return v;
}

ConfigValue ConfigValue::integer_value(std::int64_t i) {
  ConfigValue v;
  v.kind = Kind::Integer;
  v.integer = i;
  return v;
}

ConfigValue ConfigValue::float_value(double d) {
  ConfigValue v;
  v.kind = Kind::Float;
  v.number = d;
  return v;
}

ConfigValue ConfigValue::bool_value(bool b) {
  ConfigValue v;
  v.kind = Kind::Bool;
  v.boolean = b;
  return v;
}

ConfigValue ConfigValue::list(std::vector<ConfigValue> items) {
  ConfigValue v;
  v.kind = Kind::List;
  v.items = std::move(items);
  return v;
}

namespace {

std::string joined(const std::vector<ConfigValue>& items, const char* separator,
                   std::string (ConfigValue::*text)() const) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + (items[i].*text)();
  return out;
}

}  // namespace

std::string shortest_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string ConfigValue::display() const {
  switch (kind) {
    case Kind::String: return text;
    case Kind::Integer: return std::to_string(integer);
    case Kind::Float: return shortest_number(number);
    case Kind::Bool: return boolean ? "true" : "false";
    case Kind::List: return joined(items, "+", &ConfigValue::display);
  }
  return "";
}

std::string ConfigValue::toml() const {
  if (kind == Kind::List) return "[" + joined(items, ", ", &ConfigValue::toml) + "]";
  if (kind == Kind::String) return json_string(text);  // a TOML basic string has JSON's escapes
  if (kind == Kind::Float && std::isfinite(number) && display().find_first_of(".eE") == std::string::npos)
    return display() + ".0";
  return display();
}

std::string ConfigValue::json() const {
  if (kind == Kind::List) return "[" + joined(items, ", ", &ConfigValue::json) + "]";
  if (kind == Kind::String) return json_string(text);
  if (kind == Kind::Float && !std::isfinite(number)) return "null";
  return display();
}

const char* ConfigValue::kind_name() const {
  switch (kind) {
    case Kind::String: return "string";
    case Kind::Integer: return "integer";
    case Kind::Float: return "float";
    case Kind::Bool: return "boolean";
    case Kind::List: return "list";
  }
  return "";
}

bool ConfigValue::operator==(const ConfigValue& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case Kind::String: return text == other.text;
    case Kind::Integer: return integer == other.integer;
    case Kind::Float: return number == other.number;
    case Kind::Bool: return boolean == other.boolean;
    case Kind::List: return items == other.items;
  }
  return false;
}

}  // namespace normlab
