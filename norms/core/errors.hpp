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

}  // namespace normlab
