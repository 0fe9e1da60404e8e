// End to end: `normlab apply` reproduces the PyTorch fixtures (tests/fixtures/norms/, written by
// scripts/make_fixtures.py) for every normalizer in float32 and float64, in training and
// evaluation mode: y, dx, d<param> and the updated running buffers, within the fixtures'
// per-dtype tolerance (float32 1e-5, float64 1e-10, abs and rel). The files it writes must be
// exactly the expected ones, in the input's dtype.
#include <catch2/catch.hpp>

#include <set>

#include "fixtures/fixture_cases.hpp"
#include "norms/core/npy.hpp"
#include "run_normlab.hpp"

namespace normlab::testing {

namespace {

std::vector<std::string> apply_args(const FixtureCase& c, const std::string& out, bool with_grad) {
  std::vector<std::string> args = {"apply", "--norm", c.spec,   "--input", c.file("x"),
                                   "--out", out,      "--mode", c.mode};
  if (with_grad) args.insert(args.end(), {"--grad", c.file("dy")});
  for (const auto& name : c.set)
    args.insert(args.end(), {"--param", name + "=" + c.file("set_" + name)});
  return args;
}

template <class T>
void check_case(const FixtureCase& c) {
  INFO("fixture " << c.name << " (spec '" << c.spec << "', " << c.mode << ", " << c.dtype << ")");
  INFO(kRegenerateHint);
  TempDir tmp;
  const std::string out = tmp / "out";  // does not exist yet: apply creates it
  const RunResult r = run_normlab(apply_args(c, out, true), tmp);
  INFO("command: " << r.command << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());

  std::set<std::string> expected_files;
  for (const auto& name : c.outputs)
    expected_files.insert(name + ".npy");
  // PyTorch's instance norm never counts batches; normlab writes its count (see make_fixtures.py).
  const bool counts_instances = c.kind == "instance" && c.mode == "train" &&
                                c.spec.find("track_running_stats=true") != std::string::npos;
  if (counts_instances) expected_files.insert("num_batches_tracked.npy");
  const auto written = files_in(out);
  CHECK(std::set<std::string>(written.begin(), written.end()) == expected_files);

  const Tolerance tol = parity_tolerance(c.dtype);
  for (const auto& name : c.outputs) {
    INFO("output " << name);
    // read_npy<T> also checks that apply wrote the input's dtype.
    CHECK(describe_mismatch(read_npy<T>(out + "/" + name + ".npy"), read_npy<T>(c.file(name)), tol) == "");
  }
  if (counts_instances) CHECK(read_npy<T>(out + "/num_batches_tracked.npy")() == T(1));
}

void check_kind(const std::string& kind, std::size_t min_cases) {
  check_fixtures_of_kind(kind, min_cases, [](const auto& c, auto dtype) { check_case<decltype(dtype)>(c); });
}

}  // namespace

TEST_CASE("normlab apply reproduces PyTorch: batch norm", "[apply][parity]") {
  check_kind("batch", 40);
}
TEST_CASE("normlab apply reproduces PyTorch: layer norm", "[apply][parity]") {
  check_kind("layer", 20);
}
TEST_CASE("normlab apply reproduces PyTorch: instance norm", "[apply][parity]") {
  check_kind("instance", 16);
}
TEST_CASE("normlab apply reproduces PyTorch: group norm", "[apply][parity]") {
  check_kind("group", 40);
}
TEST_CASE("normlab apply reproduces PyTorch: weight norm", "[apply][parity]") {
  check_kind("weight", 20);
}
TEST_CASE("normlab apply reproduces PyTorch: identity", "[apply][parity]") {
  check_kind("none", 4);
}
// --- family2 (issue 10): fixtures from autograd implementations of the formulas ---
TEST_CASE("normlab apply reproduces the formulas: frn, evonorm_b0, evonorm_s0, switchable", "[apply][parity]") {
  check_kind("frn", 12);
  check_kind("evonorm_b0", 16);
  check_kind("evonorm_s0", 16);
  check_kind("switchable", 16);
}
// --- end family2 ---

// --- family1 (issue 10) ---
TEST_CASE("normlab apply reproduces PyTorch: rms, batch_renorm, mean_only, weight_std, spectral",
          "[apply][parity]") {
  for (const std::string kind : {"rms", "batch_renorm", "mean_only", "weight_std", "spectral"}) {
    INFO("kind " << kind);
    check_kind(kind, 8);
  }
}
// --- end family1 ---

TEST_CASE("normlab apply without --grad writes y (and the buffers in training mode) only", "[apply]") {
  std::size_t checked = 0;
  for (const auto& c : fixture_cases()) {
    if (c.name != "batch_set_4d_train_f64" && c.name != "batch_set_4d_eval_f32" &&
        c.name != "layer_set_3d_train_f32")
      continue;
    INFO("fixture " << c.name);
    TempDir tmp;
    const std::string out = tmp / "out";
    const RunResult r = run_normlab(apply_args(c, out, false), tmp);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> expected = {"y.npy"};
    if (c.kind == "batch" && c.mode == "train")
      expected = {"num_batches_tracked.npy", "running_mean.npy", "running_var.npy", "y.npy"};
    CHECK(files_in(out) == expected);
    for (const auto& name : expected) {
      const std::string stem = name.substr(0, name.size() - 4);
      const Tolerance tol = parity_tolerance(c.dtype);
      if (c.dtype == "float32")
        CHECK(describe_mismatch(read_npy<float>(out + "/" + name), read_npy<float>(c.file(stem)), tol) == "");
      else
        CHECK(describe_mismatch(read_npy<double>(out + "/" + name), read_npy<double>(c.file(stem)), tol) ==
              "");
    }
    ++checked;
  }
  CHECK(checked == 3);
}

}  // namespace normlab::testing
