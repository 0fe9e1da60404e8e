// Non-finite input values (NaN, Inf) in `normlab apply`'s .npy files: by default a one-line
// warning per file on stderr with the count and the first index, and the run goes on (values
// propagate, as in NumPy and PyTorch); with --strict, an input error (exit 2) naming the file.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "check_apply_error.hpp"
#include "experiments/cli/non_finite.hpp"
#include "norms/core/npy.hpp"
#include "run_normlab.hpp"

namespace normlab::testing {

namespace {

struct NonFiniteInputs {
  TempDir dir;
  std::string x = dir / "x.npy", x_bad = dir / "x_bad.npy", dy_bad = dir / "dy_bad.npy",
              w_bad = dir / "w_bad.npy";
  NonFiniteInputs() {
    Tensor<double> t = Tensor<double>::from_shape({4, 3, 2});
    for (std::size_t i = 0; i < t.size(); ++i)
      t.data()[i] = 0.3 * double(i % 5) - 0.2;
    write_npy<double>(x, t);
    t(1, 2, 1) = std::numeric_limits<double>::quiet_NaN();
    t(3, 0, 0) = std::numeric_limits<double>::infinity();
    write_npy<double>(x_bad, t);
    write_npy<double>(dy_bad, t);
    Tensor<double> w = {1.0, -std::numeric_limits<double>::infinity(), 2.0};
    write_npy<double>(w_bad, w);
  }
};

}  // namespace

TEST_CASE("count_non_finite and index_string", "[apply][issue12]") {
  Tensor<float> t = Tensor<float>::from_shape({2, 3, 4});
  t.fill(1.0f);
  CHECK(cli::count_non_finite(t).count == 0);
  t(1, 2, 3) = std::nanf("");
  t(1, 0, 1) = -std::numeric_limits<float>::infinity();
  const cli::NonFiniteCount found = cli::count_non_finite(t);
  CHECK(found.count == 2);
  CHECK(found.first == 13);
  CHECK(cli::index_string({2, 3, 4}, found.first) == "(1, 0, 1)");
  CHECK(cli::index_string({5}, 4) == "(4,)");
}

TEST_CASE("normlab apply: non-finite input is a warning with its count and first index", "[apply][issue12]") {
  const NonFiniteInputs in;
  TempDir tmp;
  const RunResult r = run_normlab(
      {"apply", "--norm", "batch", "--input", in.x_bad, "--grad", in.dy_bad, "--out", tmp / "out"}, tmp);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err == "normlab apply: warning: '" + in.x_bad +
                     "' holds 2 non-finite values (NaN or Inf), the first at index (1, 2, 1); they propagate "
                     "into the outputs\nnormlab apply: warning: '" +
                     in.dy_bad +
                     "' holds 2 non-finite values (NaN or Inf), the first at index (1, 2, 1); they propagate "
                     "into the outputs\n");
  CHECK(std::isnan(read_npy<double>(tmp / "out/running_mean.npy")(2)));  // propagated, as documented
  const RunResult clean =
      run_normlab({"apply", "--norm", "batch", "--input", in.x, "--out", tmp / "out2"}, tmp);
  CHECK(clean.exit_code == 0);
  CHECK(clean.err.empty());
}

TEST_CASE("normlab apply --strict: non-finite input is an input error", "[apply][errors][issue12]") {
  const NonFiniteInputs in;
  check_apply_error({"--norm", "batch", "--input", in.x_bad, "--strict"},
                    {"x_bad.npy", "2 non-finite values", "index (1, 2, 1)", "--strict"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--grad", in.dy_bad, "--strict"},
                    {"dy_bad.npy", "2 non-finite values"});
  check_apply_error({"--norm", "batch", "--input", in.x, "--param", "weight=" + in.w_bad, "--strict"},
                    {"w_bad.npy", "1 non-finite value (NaN or Inf), the first at index (1,)"});
}

}  // namespace normlab::testing
