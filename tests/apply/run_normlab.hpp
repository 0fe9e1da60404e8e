// Runs the normlab executable (NORMLAB_EXE) as a user would, capturing its exit status, stdout
// and stderr; and temporary directories under /tmp for its inputs and outputs.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace normlab::testing {

struct RunResult {
  int exit_code = -1;  // -1: did not exit normally (e.g. a crash)
  std::string out, err;
  std::string command;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A directory under /tmp, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "normlab-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `normlab <args...>` with stdout and stderr captured through files in `scratch`;
// `shell_prefix` (e.g. "ulimit -f 64; ") runs in the same shell first.
inline RunResult run_normlab(const std::vector<std::string>& args, const TempDir& scratch,
                             const std::string& shell_prefix = "") {
  RunResult r;
  r.command = shell_prefix + "exec " + shell_quote(NORMLAB_EXE);
  for (const auto& a : args)
    r.command += " " + shell_quote(a);
  const std::string out_file = scratch / "stdout.txt", err_file = scratch / "stderr.txt";
  const int status =
      std::system((r.command + " >" + shell_quote(out_file) + " 2>" + shell_quote(err_file)).c_str());
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = read_text(out_file);
  r.err = read_text(err_file);
  return r;
}

// The names of the regular files in `dir` (empty if it does not exist).
inline std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  if (!std::filesystem::exists(dir)) return names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace normlab::testing
