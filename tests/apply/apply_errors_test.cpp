// End to end: every bad input to `normlab apply` exits with status 2 and ONE line on stderr,
// "normlab apply: error: ...", that names the problem; nothing is written to stdout or into the
// output directory (neither a fresh path nor an existing empty directory gets any file).
#include <catch2/catch.hpp>

#include <fstream>

#include "norms/core/npy.hpp"
#include "check_apply_error.hpp"
#include "run_normlab.hpp"

namespace normlab::testing {

namespace {

template <class T>
Tensor<T> filled(const Shape& shape, double start) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i)
    t.data()[i] = T(start + 0.37 * double(i % 11) - 0.05 * double(i % 7));
  return t;
}

// The inputs the error cases draw on, written once into a temporary directory.
struct Inputs {
  TempDir dir;
  std::string x, x64, dy, dy64, dy_bad_shape, w64, w_bad_shape, w, not_npy, truncated, int64, one_sample,
      zero_row, fortran;
  Inputs() {
    x = dir / "x.npy";  // float32 (4, 3, 5)
    write_npy<float>(x, filled<float>({4, 3, 5}, 0.5));
    x64 = dir / "x64.npy";
    write_npy<double>(x64, filled<double>({4, 3, 5}, 0.5));
    dy = dir / "dy.npy";
    write_npy<float>(dy, filled<float>({4, 3, 5}, -0.2));
    dy64 = dir / "dy64.npy";
    write_npy<double>(dy64, filled<double>({4, 3, 5}, -0.2));
    dy_bad_shape = dir / "dy_bad_shape.npy";
    write_npy<float>(dy_bad_shape, filled<float>({4, 3, 4}, -0.2));
    w = dir / "w.npy";
    write_npy<float>(w, filled<float>({3}, 1.0));
    w64 = dir / "w64.npy";
    write_npy<double>(w64, filled<double>({3}, 1.0));
    w_bad_shape = dir / "w_bad_shape.npy";
    write_npy<float>(w_bad_shape, filled<float>({5}, 1.0));
    not_npy = dir / "not_npy.npy";
    std::ofstream(not_npy) << "x,y\n1,2\n";
    // A valid file with its last 7 bytes cut off.
    truncated = dir / "truncated.npy";
    const std::string bytes = read_text(x);
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() - 7);
    // A float64 file relabelled as int64 (same item size, so only the dtype is wrong).
    int64 = dir / "int64.npy";
    std::string relabelled = read_text(x64);
    relabelled.replace(relabelled.find("<f8"), 3, "<i8");
    std::ofstream(int64, std::ios::binary) << relabelled;
    fortran = dir / "fortran.npy";
    std::string fortran_bytes = read_text(x);
    fortran_bytes.replace(fortran_bytes.find("False"), 5, "True ");
    std::ofstream(fortran, std::ios::binary) << fortran_bytes;
    one_sample = dir / "one_sample.npy";
    write_npy<float>(one_sample, filled<float>({1, 3}, 0.5));
    zero_row = dir / "zero_row.npy";
    Tensor<double> v = filled<double>({3, 4}, 0.5);
    for (std::size_t i = 0; i < 4; ++i)
      v(2, i) = 0;
    write_npy<double>(zero_row, v);
  }
};

const Inputs& inputs() {
  static const Inputs in;
  return in;
}

}  // namespace

TEST_CASE("normlab apply: unreadable input files", "[apply][errors]") {
  const Inputs& in = inputs();
  const std::string missing = (in.dir / "nope.npy");
  check_apply_error({"--norm", "batch", "--input", missing}, {"cannot open", "nope.npy"});
  check_apply_error({"--norm", "batch", "--input", in.not_npy}, {"not_npy.npy", "not a usable .npy file", "magic"});
  check_apply_error({"--norm", "batch", "--input", in.truncated},
              {"truncated.npy", "expected", "bytes", "(4, 3, 5)"});
  check_apply_error({"--norm", "batch", "--input", in.int64}, {"int64.npy", "'<i8'", "float32", "float64"});
  check_apply_error({"--norm", "batch", "--input", in.fortran}, {"fortran.npy", "Fortran"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--grad", missing}, {"cannot open", "nope.npy"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--param", "weight=" + missing},
              {"cannot open", "nope.npy"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--grad", in.truncated}, {"truncated.npy", "bytes"});
}

TEST_CASE("normlab apply: parameters and gradients of the wrong dtype or shape", "[apply][errors]") {
  const Inputs& in = inputs();
  check_apply_error({"--norm", "batch", "--input", in.x, "--param", "weight=" + in.w64},
              {"w64.npy", "dtype is <f8", "expected <f4"});
  check_apply_error({"--norm", "batch", "--input", in.x64, "--param", "weight=" + in.w},
              {"w.npy", "dtype is <f4", "expected <f8"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--param", "weight=" + in.w_bad_shape},
              {"'weight'", "(3,)", "(5,)"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--param", "running_var=" + in.w_bad_shape},
              {"'running_var'", "(3,)", "(5,)"});
  check_apply_error({"--norm", "layer", "--input", in.x, "--param", "weight=" + in.w},
              {"'weight'", "(3, 5)", "(3,)"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--grad", in.dy_bad_shape},
              {"--grad", "(4, 3, 4)", "(4, 3, 5)"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--grad", in.dy64}, {"dy64.npy", "dtype is <f8"});
}

TEST_CASE("normlab apply: bad spec, mode, parameter name and options", "[apply][errors]") {
  const Inputs& in = inputs();
  check_apply_error({"--norm", "batchy", "--input", in.x},
              {"'batchy'", "valid: batch, layer, instance, group, weight, none"});
  check_apply_error({"--norm", "batch:momentum=2", "--input", in.x}, {"momentum=2", "[0, 1]"});
  check_apply_error({"--norm", "batch:eps=0", "--input", in.x}, {"eps=0", "> 0"});
  check_apply_error({"--norm", "batch:mom=0.1", "--input", in.x}, {"'mom'", "valid keys"});
  check_apply_error({"--norm", "group:num_groups=2", "--input", in.x}, {"num_groups=2", "C=3", "valid: 1, 3"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--mode", "test"}, {"--mode", "'test'", "train, eval"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--param", "gamma=" + in.w},
              {"'gamma'", "weight, bias, running_mean, running_var, num_batches_tracked"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--param", "weight"},
              {"--param", "'weight'", "NAME=FILE"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--bogus", "1"}, {"unknown option '--bogus'", "--norm"});
  check_apply_error({"--norm", "batch"}, {"missing --input"});
  check_apply_error({"--input", in.x}, {"missing --norm"});
  check_apply_error({"--norm", "batch", "--norm", "layer", "--input", in.x}, {"--norm", "more than once"});
}

TEST_CASE("normlab apply: inputs a normalizer cannot take", "[apply][errors]") {
  const Inputs& in = inputs();
  check_apply_error({"--norm", "batch", "--input", in.one_sample}, {"more than 1 value per channel", "(1, 3)"});
  check_apply_error({"--norm", "instance", "--input", in.one_sample}, {"instance norm", "(1, 3)"});
  check_apply_error({"--norm", "weight", "--input", in.zero_row, "--mode", "eval"}, {"row 2", "zero norm"});
}

// --- family2 (issue 10) ---
TEST_CASE("normlab apply: bad input to frn, evonorm_b0, evonorm_s0 and switchable", "[apply][errors]") {
  const Inputs& in = inputs();  // x: (4, 3, 5); one_sample: (1, 3)
  check_apply_error({"--norm", "evonorm_s0:num_groups=2", "--input", in.x}, {"num_groups=2", "C=3", "valid: 1, 3"});
  check_apply_error({"--norm", "evonorm_s0", "--input", in.x}, {"num_groups=32", "C=3"});
  for (const std::string kind : {"evonorm_b0", "evonorm_s0:num_groups=1", "switchable"})
    check_apply_error({"--norm", kind, "--input", in.one_sample}, {"spatial", "(1, 3)"});
  check_apply_error({"--norm", "frn:eps=0", "--input", in.x}, {"eps=0", "> 0"});
  check_apply_error({"--norm", "evonorm_b0:momentum=2", "--input", in.x}, {"momentum=2", "[0, 1]"});
  check_apply_error({"--norm", "frn:tlu=yes", "--input", in.x}, {"tlu=yes", "true or false"});
  check_apply_error({"--norm", "frn", "--input", in.x, "--param", "tau=" + in.w_bad_shape}, {"'tau'", "(3,)", "(5,)"});
  check_apply_error({"--norm", "frn:tlu=false", "--input", in.x, "--param", "tau=" + in.w}, {"'tau'", "weight, bias"});
  check_apply_error({"--norm", "evonorm_b0", "--input", in.x, "--param", "running_mean=" + in.w},
              {"'running_mean'", "weight, bias, v, running_var, num_batches_tracked"});
  check_apply_error({"--norm", "switchable", "--input", in.x, "--param", "mean_weight=" + in.w_bad_shape},
              {"'mean_weight'", "(3,)", "(5,)"});  // the (3) logits of instance, layer, batch
}
// --- end family2 ---
// --- family1 (issue 10) ---
TEST_CASE(
    "normlab apply: bad values and inputs of rms, batch_renorm, ghost batch norm, mean_only, weight_std, "
    "spectral",
    "[apply][errors]") {
  const Inputs& in = inputs();
  // x: (4, 3, 5)
  check_apply_error({"--norm", "batch:virtual_batch_size=3", "--input", in.x},
              {"virtual_batch_size=3", "must divide", "N=4"});
  check_apply_error({"--norm", "batch:virtual_batch_size=0", "--input", in.x}, {"virtual_batch_size=0", ">= 1"});
  check_apply_error({"--norm", "batch_renorm:rmax=0.5", "--input", in.x}, {"rmax=0.5", ">= 1"});
  check_apply_error({"--norm", "batch_renorm:dmax=-1", "--input", in.x}, {"dmax=-1", ">= 0"});
  check_apply_error({"--norm", "batch_renorm:warmup=2.5", "--input", in.x}, {"warmup=2.5", "integer"});
  check_apply_error({"--norm", "batch_renorm", "--input", in.one_sample},
              {"more than 1 value per channel", "(1, 3)"});
  check_apply_error({"--norm", "rms:eps=0", "--input", in.x}, {"eps=0", "> 0"});
  check_apply_error({"--norm", "rms", "--input", in.x, "--param", "weight=" + in.w},
              {"'weight'", "(3, 5)", "(3,)"});
  check_apply_error({"--norm", "rms", "--input", in.x, "--param", "bias=" + in.w}, {"'bias'", "it has: weight"});
  check_apply_error({"--norm", "mean_only:momentum=-1", "--input", in.x}, {"momentum=-1", "[0, 1]"});
  check_apply_error({"--norm", "mean_only", "--input", in.x, "--param", "running_var=" + in.w},
              {"'running_var'", "bias, running_mean, num_batches_tracked"});
  check_apply_error({"--norm", "weight_std:eps=-1", "--input", in.x}, {"eps=-1", "> 0"});
  check_apply_error({"--norm", "spectral:n_power_iterations=0", "--input", in.x}, {"n_power_iterations=0", ">= 1"});
  check_apply_error({"--norm", "spectral", "--input", in.x, "--param", "u=" + in.w_bad_shape},
              {"'u'", "(4,)", "(5,)"});
}
// --- end family1 ---

TEST_CASE("normlab apply: an output path that is a file", "[apply][errors]") {
  const Inputs& in = inputs();
  TempDir tmp;
  const std::string file = tmp / "taken";
  std::ofstream(file) << "keep me\n";
  const RunResult r = run_normlab({"apply", "--norm", "batch", "--input", in.x, "--out", file}, tmp);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find("is not a directory") != std::string::npos);
  CHECK(read_text(file) == "keep me\n");
}

TEST_CASE("normlab apply: the happy path of the inputs above works", "[apply]") {
  // The error cases above differ from this run in one thing each.
  const Inputs& in = inputs();
  TempDir tmp;
  const std::string out = tmp / "out";
  const RunResult r = run_normlab({"apply", "--norm", "batch", "--input", in.x, "--grad", in.dy, "--param",
                                   "weight=" + in.w, "--mode", "train", "--out", out},
                                  tmp);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(files_in(out) == std::vector<std::string>{"dbias.npy", "dweight.npy", "dx.npy",
                                                  "num_batches_tracked.npy", "running_mean.npy",
                                                  "running_var.npy", "y.npy"});
}

}  // namespace normlab::testing
