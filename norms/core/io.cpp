#include "norms/core/io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace normlab {

namespace {

[[noreturn]] void io_failure(const std::string& what, const std::string& path) {
  throw std::runtime_error("cannot " + what + " '" + path + "': " + std::strerror(errno));
}

}  // namespace

void write_file_durably(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_failure("create", path);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      io_failure("write", path);
    }
    done += std::size_t(n);
  }
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    io_failure("flush", path);
  }
  if (::close(fd) != 0) io_failure("close", path);
}

void sync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the data itself is already on disk
  ::fsync(fd);
  ::close(fd);
}

namespace {

// Writes `bytes` durably to a temporary file beside `path` and returns its name; nothing is left
// behind if that fails. The pid keeps two processes writing beside each other from sharing it.
std::string durable_temporary_beside(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    write_file_durably(tmp, bytes);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  return tmp;
}

void sync_parent_directory(const std::string& path) {
  const auto slash = path.find_last_of('/');
  sync_directory(slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = durable_temporary_beside(path, bytes);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    io_failure("write", path);
  }
  sync_parent_directory(path);
}

bool write_new_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = durable_temporary_beside(path, bytes);
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int saved = errno;
  ::unlink(tmp.c_str());
  if (linked != 0 && saved == EEXIST) return false;
  if (linked != 0) {
    errno = saved;
    io_failure("write", path);
  }
  sync_parent_directory(path);
  return true;
}

}  // namespace normlab
