#include "experiments/harness/sweep_config.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "experiments/harness/config_keys.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& message) {
  throw InputError(one_line(source + ": key '" + key + "': " + message));
}

std::string node_kind(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "string \"" + std::string(*node.value<std::string_view>()) + "\"";
    case toml::node_type::integer: return "integer " + std::to_string(*node.value<std::int64_t>());
    case toml::node_type::floating_point: return "float " + shortest_number(*node.value<double>());
    case toml::node_type::boolean: return *node.value<bool>() ? "boolean true" : "boolean false";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

ConfigValue convert_scalar(const toml::node& node, const ConfigKey& key, const std::string& source);

// The value of a list key: a TOML array of scalars (or, for a spec list, one string: a list of
// one). Items are checked as the key's item type (a spec, a positive number); repeats refused.
ConfigValue convert_list(const toml::node& node, const ConfigKey& key, const std::string& source) {
  ConfigKey item_key = key;
  item_key.type = key.type == KeyType::SpecList ? KeyType::Spec : KeyType::Positive;
  std::vector<ConfigValue> items;
  if (node.is_string() && key.type == KeyType::SpecList) return ConfigValue::list({convert_scalar(node, item_key, source)});
  const toml::array* list = node.as_array();
  if (!list) fail(source, key.name, "expected " + describe_allowed(key) + ", got " + node_kind(node));
  for (const auto& item : *list) {
    if (item.is_array()) fail(source, key.name, "expected " + describe_allowed(key) + ", got a list nested too deep");
    ConfigValue v = convert_scalar(item, item_key, source);
    for (const auto& seen : items)
      if (seen == v) fail(source, key.name, "item " + v.toml() + " is listed twice");
    items.push_back(v);
  }
  return ConfigValue::list(std::move(items));
}

// One TOML value checked against the key's type (a scalar, or one list for a list key).
ConfigValue convert_scalar(const toml::node& node, const ConfigKey& key, const std::string& source) {
  const std::string wanted = "expected " + describe_allowed(key) + ", got " + node_kind(node);
  switch (key.type) {
    case KeyType::Spec:
    case KeyType::Text: {
      if (!node.is_string()) fail(source, key.name, wanted);
      const std::string text(*node.value<std::string_view>());
      if (key.type == KeyType::Spec && text.empty()) fail(source, key.name, "expected a spec string, got \"\"");
      return ConfigValue::string(text);
    }
    case KeyType::Choice: {
      if (!node.is_string()) fail(source, key.name, wanted);
      const std::string text(*node.value<std::string_view>());
      for (const auto& c : key.choices)
        if (c == text) return ConfigValue::string(text);
      fail(source, key.name, wanted);
    }
    case KeyType::Bias: {
      if (node.is_boolean()) return ConfigValue::string(*node.value<bool>() ? "true" : "false");
      if (node.is_string()) {
        const std::string text(*node.value<std::string_view>());
        if (text == "auto" || text == "true" || text == "false") return ConfigValue::string(text);
      }
      fail(source, key.name, wanted);
    }
    case KeyType::Count:
    case KeyType::Natural: {
      if (!node.is_integer()) fail(source, key.name, wanted);
      const std::int64_t v = *node.value<std::int64_t>();
      if (v < (key.type == KeyType::Count ? 1 : 0)) fail(source, key.name, wanted);
      return ConfigValue::integer_value(v);
    }
    case KeyType::Positive: {
      if (!node.is_number()) fail(source, key.name, wanted);
      const double v = *node.value<double>();
      if (!(v > 0) || !std::isfinite(v)) fail(source, key.name, wanted);
      return ConfigValue::float_value(v);
    }
    case KeyType::Bool: {
      if (!node.is_boolean()) fail(source, key.name, wanted);
      return ConfigValue::bool_value(*node.value<bool>());
    }
    case KeyType::SpecList:
    case KeyType::NumberList: return convert_list(node, key, source);
  }
  fail(source, key.name, wanted);
}

SweepAxis convert(const toml::node& node, const ConfigKey& key, const std::string& source) {
  SweepAxis axis;
  axis.key = key.name;
  axis.source = source;
  const bool list_key = key.type == KeyType::SpecList || key.type == KeyType::NumberList;
  const toml::array* outer = node.as_array();
  // A list key's value is a list: only a list of lists is several values (an axis).
  const bool axis_of_lists = list_key && outer && !outer->empty() && (*outer)[0].is_array();
  if (const toml::array* list = (list_key && !axis_of_lists) ? nullptr : outer) {
    if (key.type == KeyType::Text) fail(source, key.name, "expected " + describe_allowed(key) + ", got an array");
    if (list->empty()) fail(source, key.name, "an empty list makes an empty sweep; give at least one value");
    axis.listed = true;
    for (const auto& item : *list) {
      if (item.is_array() != list_key)
        fail(source, key.name, list_key ? "a list of lists (a sweep of lists) must hold only lists"
                                        : "a list of lists is not allowed; expected " + describe_allowed(key));
      ConfigValue v = convert_scalar(item, key, source);
      for (const auto& seen : axis.values)
        if (seen == v) fail(source, key.name, "value " + v.toml() + " is listed twice");
      axis.values.push_back(v);
    }
  } else {
    axis.values.push_back(convert_scalar(node, key, source));
  }
  return axis;
}

const ConfigKey& known_key(const std::string& name, const std::string& source) {
  const ConfigKey* key = find_config_key(name);
  if (!key) throw InputError(source + ": unknown key '" + name + "'; valid keys: " + config_key_names());
  return *key;
}

// One layer of settings (the file, its [quick] table or the --set list).
using Layer = std::map<std::string, SweepAxis>;

Layer read_table(const toml::table& table, const std::string& source, bool allow_quick) {
  Layer layer;
  for (auto&& [name, node] : table) {
    const std::string key_name(name.str());
    if (key_name == "quick" && allow_quick) {
      if (!node.is_table()) fail(source, "quick", "expected a table [quick] of overrides, got " + node_kind(node));
      continue;
    }
    if (key_name == "quick") fail(source, "quick", "a [quick] table cannot hold another [quick] table");
    const ConfigKey& key = known_key(key_name, source);
    layer[key.name] = convert(node, key, source);
  }
  if (layer.count("steps") && layer.count("epochs"))
    fail(source, "steps", "give steps or epochs, not both");
  return layer;
}

// Later layers override earlier ones; steps and epochs replace each other.
void apply_layer(Layer& base, const Layer& over) {
  for (const auto& [key, axis] : over) {
    if (key == "steps") base.erase("epochs");
    if (key == "epochs") base.erase("steps");
    base[key] = axis;
  }
}

Layer read_sets(const std::vector<std::string>& sets) {
  Layer layer;
  for (const auto& set : sets) {
    const auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("--set '" + set + "': expected key=value, e.g. --set lr=0.1 or --set batch_size=[2,4,8]");
    const std::string name = set.substr(0, eq), value = set.substr(eq + 1);
    const ConfigKey& key = known_key(name, "--set");
    // A TOML value if it parses as one, otherwise the text itself as a string (so that
    // --set norm=group:num_groups=8 needs no quoting).
    toml::table doc;
    try {
      doc = toml::parse("value = " + value);
    } catch (const toml::parse_error&) {
      doc = toml::table{{"value", value}};
    }
    const toml::node* node = doc.get("value");
    if (!node) doc = toml::table{{"value", value}}, node = doc.get("value");
    SweepAxis axis = convert(*node, key, "--set " + name);
    Layer one;
    one[key.name] = axis;
    apply_layer(layer, one);
  }
  return layer;
}

std::string file_stem(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  const auto dot = base.rfind('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace

const SweepAxis* SweepConfig::find(const std::string& key) const {
  for (const auto& a : axes)
    if (a.key == key) return &a;
  return nullptr;
}

SweepConfig parse_sweep_config(const std::string& file, const std::string& text, const std::vector<std::string>& sets,
                               bool quick) {
  toml::table table;
  try {
    table = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const std::string desc = one_line(std::string(e.description()));
    throw InputError(file + ":" + std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column) +
                     ": not valid TOML: " + desc);
  }
  if (table.empty() && sets.empty())
    throw InputError(file + ": the configuration is empty; a sweep needs at least one key (e.g. norm = [\"batch\", "
                     "\"layer\"]); see normlab run --help and experiments/configs/");
  Layer settings = read_table(table, file, true);
  // The [quick] table is checked whether or not --quick is given, so a preset's mistakes show.
  Layer quick_settings;
  if (const toml::table* q = table["quick"].as_table()) quick_settings = read_table(*q, file + " [quick]", false);
  if (quick && !table["quick"].as_table())
    throw InputError(file + ": --quick needs a [quick] table of overrides in the configuration, and it has none; "
                     "run without --quick, or add [quick] with e.g. steps = 20");
  if (quick) apply_layer(settings, quick_settings);
  apply_layer(settings, read_sets(sets));

  SweepConfig config;
  config.file = file;
  config.file_text = text;
  config.quick = quick;
  config.sets = sets;
  config.name = settings.count("name") ? settings["name"].values[0].text : file_stem(file);
  if (settings.count("description")) config.description = settings["description"].values[0].text;
  if (config.name.empty() || config.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789_.-") != std::string::npos ||
      config.name[0] == '.')
    fail(settings.count("name") ? settings["name"].source : file, "name",
         "'" + config.name + "' is not a usable directory name; use letters, digits, '_', '-' and '.'");
  if (!settings.count("steps") && !settings.count("epochs")) {
    SweepAxis epochs;
    epochs.key = "epochs";
    epochs.values = {ConfigValue::float_value(1)};
    epochs.source = "default";
    settings["epochs"] = epochs;
  }
  for (const auto& key : config_keys()) {
    if (key.type == KeyType::Text) continue;
    if (settings.count(key.name)) {
      config.axes.push_back(settings[key.name]);
    } else if (!key.default_value.empty()) {
      toml::table doc = toml::parse("value = " + key.default_value);
      SweepAxis axis = convert(*doc.get("value"), key, "default");
      config.axes.push_back(axis);
    }
  }
  return config;
}

SweepConfig load_sweep_config(const std::string& file, const std::vector<std::string>& sets, bool quick) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw InputError(file + " is a directory; give a sweep configuration file (.toml), e.g. "
                     "experiments/configs/quickstart.toml");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file + ": cannot read the configuration file (does it exist?)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_sweep_config(file, text.str(), sets, quick);
}

}  // namespace normlab
