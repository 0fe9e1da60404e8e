#include "experiments/cli/output_set.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "norms/core/errors.hpp"
#include "norms/core/io.hpp"

namespace normlab::cli {

namespace {

[[noreturn]] void io_failure(const std::string& what, const std::string& path) {
  throw std::runtime_error("cannot " + what + " '" + path + "': " + std::strerror(errno));
}

struct PathParts {
  std::string parent, name;  // parent "" means the current directory
};

PathParts split_path(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  const auto slash = dir.find_last_of('/');
  if (slash == std::string::npos) return {"", dir};
  return {slash == 0 ? "/" : dir.substr(0, slash), dir.substr(slash + 1)};
}

std::string join_path(const std::string& parent, const std::string& name) {
  if (parent.empty()) return name;
  return parent.back() == '/' ? parent + name : parent + "/" + name;
}

bool exists(const std::string& path, struct stat* info = nullptr) {
  struct stat local {};
  return ::stat(path.c_str(), info ? info : &local) == 0;
}

// Creates `dir` and its missing parents. A component that is a file is an InputError.
void make_directories(const std::string& dir) {
  std::string partial;
  for (std::size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!partial.empty() && ::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        if (errno == ENOTDIR)
          throw InputError("output path '" + dir + "': a part of it is a file, not a directory");
        io_failure("create output directory", partial);
      }
    }
    if (i < dir.size()) partial += dir[i];
  }
}

// The names in `dir` except "." and "..", with whether each is a directory.
std::map<std::string, bool> list_directory(const std::string& dir) {
  std::map<std::string, bool> entries;
  DIR* handle = ::opendir(dir.c_str());
  if (!handle) io_failure("read directory", dir);
  while (const dirent* entry = ::readdir(handle)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat info {};
    const bool is_dir = ::lstat(join_path(dir, name).c_str(), &info) == 0 && S_ISDIR(info.st_mode);
    entries[name] = is_dir;
  }
  ::closedir(handle);
  return entries;
}

// Removes `.<name>.tmp.<pid>` directories in `parent` whose writer process no longer exists.
void remove_abandoned_temporaries(const std::string& parent, const std::string& name) {
  const std::string prefix = "." + name + ".tmp.";
  DIR* handle = ::opendir(parent.empty() ? "." : parent.c_str());
  if (!handle) return;
  std::vector<std::string> abandoned;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string entry_name = entry->d_name;
    if (entry_name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid_text = entry_name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos ||
        pid_text.size() > 9)
      continue;
    const pid_t pid = pid_t(std::stol(pid_text));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) abandoned.push_back(entry_name);
  }
  ::closedir(handle);
  for (const auto& entry_name : abandoned) {
    std::error_code ignored;
    std::filesystem::remove_all(join_path(parent, entry_name), ignored);
  }
}

// Puts `fresh` in the place of the existing directory `target`; afterwards `fresh` holds the
// old contents.
void swap_into_place(const std::string& fresh, const std::string& target) {
  if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) return;
  if (errno != EINVAL && errno != ENOSYS) io_failure("replace the output directory", target);
  // No atomic exchange here: the old set goes aside, then the new one takes its name.
  const std::string aside = fresh + ".old";
  if (std::rename(target.c_str(), aside.c_str()) != 0) io_failure("move aside the output directory", target);
  if (std::rename(fresh.c_str(), target.c_str()) != 0) {
    const int saved = errno;
    std::rename(aside.c_str(), target.c_str());
    errno = saved;
    io_failure("replace the output directory", target);
  }
  if (std::rename(aside.c_str(), fresh.c_str()) != 0) io_failure("rename", aside);
}

// For the current directory, whose identity the process's shell holds as its working directory:
// the stale files go, then each new file (already on disk) is renamed in. Nothing here can fail
// for lack of space, but a kill inside these loops can leave parts of both sets.
void replace_in_place(const std::string& fresh, const std::string& target,
                      const std::map<std::string, std::string>& files,
                      const std::vector<std::string>& stale) {
  for (const auto& name : stale)
    if (::unlink(join_path(target, name).c_str()) != 0 && errno != ENOENT)
      io_failure("remove the earlier output", join_path(target, name));
  for (const auto& [name, bytes] : files)
    if (std::rename(join_path(fresh, name).c_str(), join_path(target, name).c_str()) != 0)
      io_failure("move into place", join_path(target, name));
}

}  // namespace

void check_output_directory(const std::string& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    if (errno == ENOTDIR)
      throw InputError("output path '" + dir + "': a part of it is a file, not a directory");
    return;  // created later
  }
  if (!S_ISDIR(info.st_mode)) throw InputError("output path '" + dir + "' is not a directory");
  for (const auto& [name, is_dir] : list_directory(dir))
    if (is_dir)
      throw InputError(
          "output directory '" + dir + "' holds the directory '" + name +
          "'; the output set replaces the directory as a whole and carries over plain files only: "
          "choose a new or a plain directory");
}

OutputSetReport write_output_set(const std::string& dir, const std::map<std::string, std::string>& files,
                                 const std::function<bool(const std::string&)>& is_own) {
  check_output_directory(dir);
  // A symbolic link to a directory stays a link: the set replaces the directory it points to.
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(dir, error);
  const std::string target = error ? dir : resolved.string();
  const PathParts parts = split_path(target);
  if (!parts.parent.empty()) make_directories(parts.parent);
  remove_abandoned_temporaries(parts.parent, parts.name);

  const std::string fresh = join_path(parts.parent, "." + parts.name + ".tmp." + std::to_string(::getpid()));
  std::filesystem::remove_all(fresh, error);
  if (::mkdir(fresh.c_str(), 0755) != 0) io_failure("create a temporary directory", fresh);
  OutputSetReport report;
  try {
    for (const auto& [name, bytes] : files)
      write_file_durably(join_path(fresh, name), bytes);
    struct stat info {};
    report.replaced = exists(target, &info);
    struct stat cwd {};
    const bool is_cwd =
        report.replaced && ::stat(".", &cwd) == 0 && cwd.st_dev == info.st_dev && cwd.st_ino == info.st_ino;
    if (report.replaced)
      for (const auto& [name, is_dir] : list_directory(target)) {
        if (is_dir) throw InputError("output directory '" + dir + "' holds the directory '" + name + "'");
        if (files.count(name)) continue;
        if (is_own(name)) {
          report.stale_removed.push_back(name);
        } else if (!is_cwd && ::link(join_path(target, name).c_str(), join_path(fresh, name).c_str()) != 0) {
          io_failure("keep the file (as a hard link)", join_path(target, name));
        }
      }
    if (report.replaced) ::chmod(fresh.c_str(), info.st_mode & 07777);  // the directory keeps its mode
    sync_directory(fresh);
    if (is_cwd)
      replace_in_place(fresh, target, files, report.stale_removed);
    else if (report.replaced)
      swap_into_place(fresh, target);
    else if (std::rename(fresh.c_str(), target.c_str()) != 0)
      io_failure("create the output directory", target);
  } catch (...) {
    std::filesystem::remove_all(fresh, error);
    throw;
  }
  std::filesystem::remove_all(fresh, error);  // the old set, after a replacement
  sync_directory(parts.parent.empty() ? "." : parts.parent);
  return report;
}

}  // namespace normlab::cli
