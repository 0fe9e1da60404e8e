// A small command-line parser for the normlab subcommands: --name VALUE / --name=VALUE options,
// repeatable options, flags, positionals, and a generated --help. Usage errors are InputErrors
// (exit 2) that name the option and say what is allowed.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace normlab::cli {

class Args {
 public:
  Args(std::string command, std::string summary) : command_(std::move(command)), summary_(std::move(summary)) {}

  Args& option(const std::string& name, const std::string& metavar, const std::string& help,
               const std::string& default_value = "", bool required = false);
  Args& repeated(const std::string& name, const std::string& metavar, const std::string& help);
  Args& flag(const std::string& name, const std::string& help);
  // many: the last positional takes every remaining argument (all() returns them).
  Args& positional(const std::string& name, const std::string& help, bool required = true, bool many = false);
  Args& epilog(const std::string& text);

  // Parses argv[first...]; returns false when --help was printed (the caller exits 0).
  bool parse(int argc, char** argv, int first);

  std::string get(const std::string& name) const;
  bool has(const std::string& name) const;
  bool flag_set(const std::string& name) const { return has(name); }
  std::vector<std::string> all(const std::string& name) const;
  std::string help() const;
  const std::string& command() const { return command_; }

 private:
  struct Def {
    std::string name, metavar, help, default_value;
    bool required = false, repeated = false, is_flag = false, is_positional = false;
  };
  const Def* find(const std::string& name) const;

  std::string command_, summary_, epilog_;
  std::vector<Def> defs_;
  std::map<std::string, std::vector<std::string>> values_;
};

// Parses a number or fails with a usage error naming the option.
double parse_double(const std::string& option, const std::string& text);
long parse_long(const std::string& option, const std::string& text, long min_value);

}  // namespace normlab::cli
