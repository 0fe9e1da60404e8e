// End to end: what the fuzz targets (tests/fuzz) found, through `normlab apply` as a user would
// meet it. Each case failed the one-line error contract before its fix.
#include <catch2/catch.hpp>

#include "check_apply_error.hpp"
#include "norms/core/npy.hpp"
#include "run_normlab.hpp"

namespace normlab::testing {

TEST_CASE("normlab apply: a --norm spec with a newline is a one-line error", "[apply][errors][issue12]") {
  TempDir dir;
  const std::string x = dir / "x.npy";
  write_npy<float>(x, Tensor<float>::from_shape({4, 3}));
  check_apply_error({"--norm", "batch\n", "--input", x}, {"control character \\x0a at position 5"});
  check_apply_error({"--norm", "batch:momentum=0.1\nrm -rf /", "--input", x}, {"'batch:momentum=0.1...'"});
}

}  // namespace normlab::testing
