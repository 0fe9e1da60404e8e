// End to end: `normlab apply` replaces its output set as a whole. A second run into the same
// --out leaves exactly its own outputs (plus the user's other files), a failed write (the
// file-size limit standing in for a full disk) or a kill while writing leaves the earlier set
// byte for byte, and a temporary directory abandoned by a kill is removed by the next run.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "check_apply_error.hpp"
#include "norms/core/npy.hpp"
#include "run_normlab.hpp"

namespace normlab::testing {

namespace {

// Inputs big enough (64 x 4 x 32 x 32 float32, 1 MiB) that a 64 KiB file-size limit stops
// the writing of the first output.
struct BigInputs {
  TempDir dir;
  std::string x = dir / "x.npy", dy = dir / "dy.npy";
  BigInputs() {
    Tensor<float> t = Tensor<float>::from_shape({64, 4, 32, 32});
    for (std::size_t i = 0; i < t.size(); ++i)
      t.data()[i] = float(i % 13) * 0.1f - 0.4f;
    write_npy<float>(x, t);
    for (std::size_t i = 0; i < t.size(); ++i)
      t.data()[i] = float(i % 7) * 0.05f;
    write_npy<float>(dy, t);
  }
};

std::map<std::string, std::string> contents_of(const std::string& dir) {
  std::map<std::string, std::string> contents;
  for (const auto& name : files_in(dir))
    contents[name] = read_text(dir + "/" + name);
  return contents;
}

// The first run: batch norm with --grad in training mode (7 files), plus a file of the user's.
RunResult first_set(const BigInputs& in, const TempDir& tmp, const std::string& out) {
  const RunResult r =
      run_normlab({"apply", "--norm", "batch", "--input", in.x, "--grad", in.dy, "--out", out}, tmp);
  REQUIRE(r.exit_code == 0);
  std::ofstream(out + "/notes.txt") << "the user's own file\n";
  return r;
}

const std::vector<std::string> kBatchSet = {
    "dbias.npy",        "dweight.npy",     "dx.npy", "notes.txt", "num_batches_tracked.npy",
    "running_mean.npy", "running_var.npy", "y.npy"};

}  // namespace

TEST_CASE("normlab apply: a second run replaces the earlier set and says what it removed",
          "[apply][issue12]") {
  const BigInputs in;
  TempDir tmp;
  const std::string out = tmp / "out";
  first_set(in, tmp, out);
  REQUIRE(files_in(out) == kBatchSet);
  const RunResult r =
      run_normlab({"apply", "--norm", "weight", "--input", in.x, "--mode", "eval", "--out", out}, tmp);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(files_in(out) == std::vector<std::string>{"notes.txt", "y.npy"});
  CHECK(read_text(out + "/notes.txt") == "the user's own file\n");
  CHECK(r.out.find(
            "removed the earlier run's outputs that this run does not write: dbias.npy dweight.npy dx.npy "
            "num_batches_tracked.npy running_mean.npy running_var.npy") != std::string::npos);
  CHECK(read_npy_header(out + "/y.npy").shape == Shape{64, 4, 32, 32});
  CHECK(files_in(tmp.path().string()) == std::vector<std::string>{"out", "stderr.txt", "stdout.txt"});
}

TEST_CASE("normlab apply: a failed write leaves the earlier set unchanged", "[apply][issue12]") {
  const BigInputs in;
  TempDir tmp;
  const std::string out = tmp / "out";
  first_set(in, tmp, out);
  const auto before = contents_of(out);
  // With SIGXFSZ ignored, writing past the limit fails with EFBIG, as a full disk fails with ENOSPC.
  const RunResult r =
      run_normlab({"apply", "--norm", "layer", "--input", in.x, "--grad", in.dy, "--out", out}, tmp,
                  "trap '' XFSZ; ulimit -f 64; ");
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("normlab apply: failed: cannot write '", 0) == 0);
  CHECK(r.err.find(".out.tmp.") != std::string::npos);
  CHECK(r.err.find("File too large") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(contents_of(out) == before);
  CHECK(files_in(tmp.path().string()) == std::vector<std::string>{"out", "stderr.txt", "stdout.txt"});
}

TEST_CASE("normlab apply: a kill while writing leaves the earlier set, and the next run cleans up",
          "[apply][issue12]") {
  const BigInputs in;
  TempDir tmp;
  const std::string out = tmp / "out";
  first_set(in, tmp, out);
  const auto before = contents_of(out);
  // SIGXFSZ's default action kills the process in the middle of its first output file.
  const RunResult killed =
      run_normlab({"apply", "--norm", "layer", "--input", in.x, "--out", out}, tmp, "ulimit -f 64; ");
  CHECK(killed.exit_code == -1);
  CHECK(contents_of(out) == before);
  const auto left = files_in(tmp.path().string());
  REQUIRE(left.size() == 4);  // the abandoned .out.tmp.<pid>
  CHECK(left[0].rfind(".out.tmp.", 0) == 0);
  const RunResult next = run_normlab({"apply", "--norm", "layer", "--input", in.x, "--out", out}, tmp);
  CHECK(next.exit_code == 0);
  CHECK(files_in(out) == std::vector<std::string>{"notes.txt", "y.npy"});
  CHECK(files_in(tmp.path().string()) == std::vector<std::string>{"out", "stderr.txt", "stdout.txt"});
}

TEST_CASE("normlab apply: output directories it cannot use", "[apply][errors][issue12]") {
  const BigInputs in;
  {
    TempDir tmp;
    std::filesystem::create_directories(tmp / "out/sub");
    const RunResult r = run_normlab({"apply", "--norm", "batch", "--input", in.x, "--out", tmp / "out"}, tmp);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("holds the directory 'sub'") != std::string::npos);
    CHECK(files_in(tmp / "out") == std::vector<std::string>{"sub"});
  }
  {
    TempDir tmp;
    std::ofstream(tmp / "taken") << "a file\n";
    const RunResult r =
        run_normlab({"apply", "--norm", "batch", "--input", in.x, "--out", tmp / "taken/out"}, tmp);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("a part of it is a file, not a directory") != std::string::npos);
    CHECK(read_text(tmp / "taken") == "a file\n");
  }
  {
    // A directory where no directory can be created: an I/O failure (exit 1) with the reason.
    TempDir tmp;
    std::string parent = tmp / "read-only";
    std::filesystem::create_directory(parent);
    std::filesystem::permissions(parent,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    if (::geteuid() == 0) parent = "/sys";  // root ignores permissions; sysfs refuses new directories
    const RunResult r =
        run_normlab({"apply", "--norm", "batch", "--input", in.x, "--out", parent + "/out"}, tmp);
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot create a temporary directory '" + parent + "/.out.tmp.") != std::string::npos);
    CHECK((r.err.find("Permission denied") != std::string::npos ||
           r.err.find("Operation not permitted") != std::string::npos));
    std::filesystem::permissions(tmp / "read-only", std::filesystem::perms::owner_all);
  }
}

}  // namespace normlab::testing

namespace normlab::testing {

TEST_CASE("normlab apply --out .: the working directory stays the same directory", "[apply][issue12]") {
  const BigInputs in;
  TempDir tmp;
  const std::string work = tmp / "work";
  std::filesystem::create_directory(work);
  std::filesystem::copy_file(in.x, work + "/x.npy");
  struct stat before {};
  REQUIRE(::stat(work.c_str(), &before) == 0);
  const std::string cd = "cd " + shell_quote(work) + " && ";
  REQUIRE(run_normlab({"apply", "--norm", "batch", "--input", "x.npy", "--out", "."}, tmp, cd).exit_code ==
          0);
  CHECK(files_in(work) == std::vector<std::string>{"num_batches_tracked.npy", "running_mean.npy",
                                                   "running_var.npy", "x.npy", "y.npy"});
  const RunResult r =
      run_normlab({"apply", "--norm", "layer", "--input", "x.npy", "--mode", "eval", "--out", "."}, tmp, cd);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("removed the earlier run's outputs that this run does not write: num_batches_tracked.npy "
                   "running_mean.npy running_var.npy") != std::string::npos);
  CHECK(files_in(work) == std::vector<std::string>{"x.npy", "y.npy"});
  struct stat after {};
  REQUIRE(::stat(work.c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
  CHECK(files_in(tmp.path().string()) == std::vector<std::string>{"stderr.txt", "stdout.txt", "work"});
}

TEST_CASE("normlab apply: a replaced output directory keeps its permissions", "[apply][issue12]") {
  const BigInputs in;
  TempDir tmp;
  const std::string out = tmp / "out";
  std::filesystem::create_directory(out);
  ::chmod(out.c_str(), 02750);
  for (const std::string norm : {"batch", "layer"}) {
    REQUIRE(run_normlab({"apply", "--norm", norm, "--input", in.x, "--out", out}, tmp).exit_code == 0);
    struct stat info {};
    REQUIRE(::stat(out.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 02750);
  }
}

}  // namespace normlab::testing
