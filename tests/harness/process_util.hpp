// Running the normlab executable from the tests as a user would: arguments, exit status,
// captured stdout/stderr, and a process that can be killed part way.
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/harness_test_util.hpp"

extern char** environ;

namespace normlab::test {

struct Outcome {
  int status = -1;  // exit status, or -signal
  std::string out, err;
};

// Starts NORMLAB_EXE with `args` in directory `cwd`, stdout/stderr to files; returns the pid.
inline pid_t spawn_normlab(const std::vector<std::string>& args, const std::string& cwd, const std::string& out_file,
                           const std::string& err_file) {
  std::vector<std::string> all = {NORMLAB_EXE};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

inline int wait_status(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Runs normlab to completion in `cwd`.
inline Outcome run_normlab(const std::vector<std::string>& args, const std::string& cwd) {
  const std::string out = cwd + "/.stdout", err = cwd + "/.stderr";
  Outcome o;
  o.status = wait_status(spawn_normlab(args, cwd, out, err));
  o.out = slurp(out);
  o.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return o;
}

}  // namespace normlab::test
