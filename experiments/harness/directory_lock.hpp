// An exclusive lock on DIR/.lock for a sweep's lifetime: two sweeps writing one results directory
// would interleave their views and manifests. The kernel drops the lock when the process dies, so
// a reader can tell a running sweep (locked) from an interrupted one (free).
#pragma once

#include <string>

namespace normlab {

class DirectoryLock {
 public:
  // Takes the lock or throws std::runtime_error: another sweep holds it, or the lock file cannot
  // be created (the message has the path and the reason).
  explicit DirectoryLock(const std::string& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

// Whether a live process holds DIR/.lock (false when there is no lock file).
bool directory_locked(const std::string& dir);

}  // namespace normlab
