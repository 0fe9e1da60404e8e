// PyTorch parity through the library: every fixture case under tests/fixtures/norms/ is run with
// make_normalizer<T>(spec, x's shape), set() for each given value, forward in the case's mode and
// backward with the case's dy; y, dx, every parameter gradient and (in training mode) every
// updated buffer must match PyTorch's within parity_tolerance (float32 1e-5, float64 1e-10, abs
// and rel). The set of parameter and buffer names must be PyTorch's too.
#include <catch2/catch.hpp>

#include <set>

#include "norms/npy.hpp"
#include "test_support.hpp"

namespace normlab::testing {

namespace {

template <class T>
void check_case(const FixtureCase& c) {
  INFO("fixture " << c.name << " (spec '" << c.spec << "', " << c.mode << ", " << c.dtype << ")");
  INFO(kRegenerateHint);
  const Tensor<T> x = read_npy<T>(c.file("x"));
  const Tensor<T> dy = read_npy<T>(c.file("dy"));
  REQUIRE(shape_of(x) == c.shape);
  auto norm = make_normalizer<T>(c.spec, shape_of(x));
  for (const auto& name : c.set) norm->set(name, read_npy<T>(c.file("set_" + name)));
  const Mode mode = c.mode == "train" ? Mode::train : Mode::eval;
  Results<T> got = run_normalizer(*norm, x, dy, mode);

  // Names: every expected output is produced, and nothing PyTorch lacks is (buffers are outputs
  // in training mode only). PyTorch's instance norm never counts batches; normlab does (see
  // scripts/make_fixtures.py), so that one buffer is not compared.
  std::set<std::string> produced;
  for (const auto& [name, tensor] : got) {
    const bool is_buffer = name != "y" && name != "dx" && name[0] != 'd';
    if (is_buffer && mode == Mode::eval) continue;
    if (c.kind == "instance" && name == "num_batches_tracked") continue;
    produced.insert(name);
  }
  CHECK(produced == std::set<std::string>(c.outputs.begin(), c.outputs.end()));

  const Tolerance tol = parity_tolerance(c.dtype);
  for (const auto& name : c.outputs) {
    INFO("output " << name);
    REQUIRE(got.count(name) == 1);
    const std::string diff = describe_mismatch(got[name], read_npy<T>(c.file(name)), tol);
    CHECK(diff == "");
  }
  // Evaluation leaves the buffers as they were set (or at their defaults).
  if (mode == Mode::eval)
    for (auto& b : norm->buffers()) {
      INFO("buffer " << b.name << " after an evaluation forward");
      if (std::find(c.set.begin(), c.set.end(), b.name) != c.set.end())
        CHECK(describe_mismatch(*b.value, read_npy<T>(c.file("set_" + b.name)), Tolerance{0, 0}) == "");
    }
}

void check_kind(const std::string& kind, std::size_t min_cases) {
  std::size_t count = 0;
  std::set<std::string> combos;
  for (const auto& c : fixture_cases()) {
    if (c.kind != kind) continue;
    ++count;
    combos.insert(c.mode + "/" + c.dtype);
    if (c.dtype == "float32")
      check_case<float>(c);
    else
      check_case<double>(c);
  }
  INFO("fixtures of kind " << kind << " under " << fixtures_root() << "; " << kRegenerateHint);
  CHECK(count >= min_cases);
  CHECK(combos == std::set<std::string>{"eval/float32", "eval/float64", "train/float32", "train/float64"});
}

}  // namespace

// Minimum case counts guard against fixtures silently going missing.
TEST_CASE("PyTorch parity: batch norm fixtures", "[parity]") { check_kind("batch", 40); }
TEST_CASE("PyTorch parity: layer norm fixtures", "[parity]") { check_kind("layer", 20); }
TEST_CASE("PyTorch parity: instance norm fixtures", "[parity]") { check_kind("instance", 16); }
TEST_CASE("PyTorch parity: group norm fixtures", "[parity]") { check_kind("group", 40); }
TEST_CASE("PyTorch parity: weight norm fixtures", "[parity]") { check_kind("weight", 20); }
TEST_CASE("PyTorch parity: identity fixtures", "[parity]") { check_kind("none", 4); }

TEST_CASE("PyTorch parity: group norm fixtures cover num_groups 1, some and C", "[parity]") {
  std::set<std::string> seen;
  for (const auto& c : fixture_cases()) {
    if (c.kind != "group" || c.shape.size() < 3) continue;
    const std::string C = std::to_string(c.shape[1]);
    if (c.spec.find("num_groups=1,") != std::string::npos) seen.insert("1");
    else if (c.spec.find("num_groups=" + C + ",") != std::string::npos) seen.insert("C");
    else seen.insert("some");
  }
  CHECK(seen == std::set<std::string>{"1", "C", "some"});
}

}  // namespace normlab::testing
