#include "experiments/cli/args.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"

namespace normlab::cli {

Args& Args::option(const std::string& name, const std::string& metavar, const std::string& help,
                   const std::string& default_value, bool required) {
  Def d;
  d.name = name, d.metavar = metavar, d.help = help, d.default_value = default_value, d.required = required;
  defs_.push_back(d);
  return *this;
}

Args& Args::repeated(const std::string& name, const std::string& metavar, const std::string& help) {
  Def d;
  d.name = name, d.metavar = metavar, d.help = help, d.repeated = true;
  defs_.push_back(d);
  return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
  Def d;
  d.name = name, d.help = help, d.is_flag = true;
  defs_.push_back(d);
  return *this;
}

Args& Args::positional(const std::string& name, const std::string& help, bool required, bool many) {
  Def d;
  d.name = name, d.help = help, d.is_positional = true, d.required = required, d.repeated = many;
  defs_.push_back(d);
  return *this;
}

Args& Args::epilog(const std::string& text) {
  epilog_ = text;
  return *this;
}

const Args::Def* Args::find(const std::string& name) const {
  for (const auto& d : defs_)
    if (!d.is_positional && d.name == name) return &d;
  return nullptr;
}

bool Args::parse(int argc, char** argv, int first) {
  std::vector<const Def*> positionals;
  for (const auto& d : defs_)
    if (d.is_positional) positionals.push_back(&d);
  std::size_t next_positional = 0;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << help();
      return false;
    }
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2), value;
      bool inline_value = false;
      if (const auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      const Def* d = find(name);
      if (!d) {
        std::vector<std::string> names;
        for (const auto& def : defs_)
          if (!def.is_positional) names.push_back("--" + def.name);
        throw InputError("unknown option '--" + name + "'; valid: " + join(names, ", ") +
                         " (see --help)");
      }
      if (d->is_flag) {
        if (inline_value) throw InputError("--" + name + " takes no value");
        values_[name].push_back("true");
        continue;
      }
      if (!inline_value) {
        if (i + 1 >= argc) throw InputError("--" + name + " needs a value " + d->metavar);
        value = argv[++i];
      }
      if (!d->repeated && values_.count(name))
        throw InputError("--" + name + " given more than once");
      values_[name].push_back(value);
      continue;
    }
    if (next_positional >= positionals.size())
      throw InputError("unexpected argument '" + arg + "' (see --help)");
    values_[positionals[next_positional]->name].push_back(arg);
    if (!positionals[next_positional]->repeated) ++next_positional;  // the last may take many
  }
  for (const auto& d : defs_)
    if (d.required && !values_.count(d.name))
      throw InputError("missing " + (d.is_positional ? d.name : "--" + d.name + " " + d.metavar) +
                       " (see --help)");
  return true;
}

std::string Args::get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it != values_.end()) return it->second.back();
  for (const auto& d : defs_)
    if (d.name == name) return d.default_value;
  return "";
}

bool Args::has(const std::string& name) const { return values_.count(name) != 0; }

std::vector<std::string> Args::all(const std::string& name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::help() const {
  std::string usage = "usage: normlab " + command_;
  for (const auto& d : defs_)
    if (d.is_positional)
      usage += (d.required ? " " + d.name : " [" + d.name + "]") + (d.repeated ? " ..." : "");
  for (const auto& d : defs_) {
    if (d.is_positional) continue;
    std::string item = "--" + d.name + (d.is_flag ? "" : " " + d.metavar);
    usage += d.required ? " " + item : " [" + item + (d.repeated ? " ..." : "") + "]";
  }
  std::string out = usage + "\n\n" + summary_ + "\n\n";
  for (const auto& d : defs_) {
    std::string left = d.is_positional ? d.name : "--" + d.name + (d.is_flag ? "" : " " + d.metavar);
    std::string text = d.help;
    if (!d.default_value.empty()) text += " (default: " + d.default_value + ")";
    if (left.size() < 26) left.append(26 - left.size(), ' ');
    out += "  " + left + " " + text + "\n";
  }
  out += "  --help                     show this help and exit\n";
  if (!epilog_.empty()) out += "\n" + epilog_ + "\n";
  return out;
}

double parse_double(const std::string& option, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw InputError(option + ": '" + text + "' is not a finite number");
  return v;
}

long parse_long(const std::string& option, const std::string& text, long min_value) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    throw InputError(option + ": '" + text + "' is not an integer");
  if (v < min_value) throw InputError(option + ": must be >= " + std::to_string(min_value) + ", got " + text);
  return v;
}

}  // namespace normlab::cli
