// What every fuzz target checks besides the sanitizers: bad input is an InputError whose message
// is one line (no newline) naming the file, and nothing else ever escapes (another exception
// type, e.g. std::bad_alloc or std::out_of_range, is a finding). Violations abort, which
// libFuzzer reports with the input and the corpus replay turns into a failed test.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <unistd.h>

#include "norms/core/errors.hpp"

namespace normlab::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz contract violated: %s\n", what.c_str());
  std::abort();
}

// Runs `body`; an InputError must be one line (unless `one_line` is false, for a known finding
// left to its owner) and contain `must_name` (a path, or "" for none).
template <class Body>
void expect_success_or_input_error(Body&& body, const std::string& must_name, bool one_line = true) {
  try {
    body();
  } catch (const InputError& e) {
    const std::string message = e.what();
    if (one_line && message.find('\n') != std::string::npos)
      finding("InputError message spans lines: " + message);
    if (message.empty()) finding("empty InputError message");
    if (!must_name.empty() && message.find(must_name) == std::string::npos)
      finding("InputError does not name '" + must_name + "': " + message);
  } catch (const std::exception& e) {
    finding(std::string("not an InputError: ") + e.what());
  }
}

// The input as a file that the readers open by path: /tmp/normlab-fuzz-<pid>/<name>.
inline std::string write_input_file(const std::string& name, const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    const std::string d = "/tmp/normlab-fuzz-" + std::to_string(::getpid());
    std::system(("mkdir -p " + d).c_str());
    return d;
  }();
  const std::string path = dir + "/" + name;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) finding("cannot write the fuzz input file " + path);
  if (size != 0 && std::fwrite(data, 1, size, file) != size) finding("short write to " + path);
  std::fclose(file);
  return path;
}

}  // namespace normlab::fuzz
