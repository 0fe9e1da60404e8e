// A set of files that replaces a directory's previous set as a whole (normlab apply's outputs).
//
// The new files are written and flushed into a temporary directory beside the target,
// `.<name>.tmp.<pid>`, together with hard links to the target's files that are not of the
// writer's own kinds; that directory then takes the target's place in one atomic rename
// (renameat2 RENAME_EXCHANGE; where the file system lacks it, two renames in a row, so that a
// kill between them leaves no directory at the path rather than a mixed one). Readers, a failed
// write (a full disk) and a kill at any point see the earlier set or the new one, never a mix.
// Temporary directories that killed writers left behind are removed by the next writer.
// The replaced directory is a new one with the old one's permission bits: a process whose working
// directory it was keeps the old one, so for the writer's own working directory (--out .) the new
// files are instead renamed in one by one after the stale ones are removed (a kill in between can
// then leave a mix; a failed write still cannot, as the files are all on disk first).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace normlab::cli {

// Checks, before anything is computed, that `dir` can take a set: a path that does not exist
// yet, or a directory that holds no subdirectories (only its plain files are carried over).
// InputError (exit 2) otherwise, naming the path and the obstacle.
void check_output_directory(const std::string& dir);

struct OutputSetReport {
  std::vector<std::string> stale_removed;  // files of the writer's kinds the new set does not have
  bool replaced = false;                   // the target existed and was replaced
};

// Writes `files` (file name -> bytes) as the new set of `dir`, creating its parents if needed.
// Files already in `dir` that the new set does not contain are kept, unless is_own(name) says
// the writer produces files of that name, in which case they are stale and removed (reported).
// I/O failures are std::runtime_error with the path and strerror (exit 1); `dir` is unchanged.
OutputSetReport write_output_set(const std::string& dir, const std::map<std::string, std::string>& files,
                                 const std::function<bool(const std::string&)>& is_own);

}  // namespace normlab::cli
