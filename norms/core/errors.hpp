// Error types. The split decides the CLI's exit status:
//   InputError  -> the user can fix it (bad spec, key, value, shape, file): exit 2
//   anything else derived from std::exception -> a runtime failure: exit 1
// Messages are one line that names what was wrong and what is allowed.
#pragma once

#include <stdexcept>
#include <string>

namespace normlab {

class InputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A message as one line: line breaks (which user text quoted in a message may hold, e.g. a TOML
// parser's excerpt) written as \n and \r, so that every error stays the one line it promises.
inline std::string one_line(std::string text) {
  std::string out;
  for (const char c : text) out += c == '\n' ? std::string("\\n") : c == '\r' ? std::string("\\r") : std::string(1, c);
  return out;
}

}  // namespace normlab
