// Runs the normlab executable (NORMLAB_EXE) as a user would and captures its output.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

namespace normlab::testing {

struct CommandResult {
  int exit_status = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_normlab(const std::string& arguments) {
  const std::string command = std::string(NORMLAB_EXE) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  CommandResult result;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), int(buffer.size()), pipe)) result.output += buffer.data();
  const int status = pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace normlab::testing
