// One argument as a single shell word: plain text as it is, anything else in single quotes ('\''
// closes the quote, adds a quote, reopens). For command lines in manifests and job scripts.
#pragma once

#include <string>

namespace normlab {

inline std::string shell_quote(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789_-+=./:,@%") == std::string::npos;
  if (plain) return arg;
  std::string quoted = "'";
  for (const char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace normlab
