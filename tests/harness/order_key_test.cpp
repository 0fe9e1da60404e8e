// The sweep key `order`: its default keeps every existing run id, a non-default order is part of
// the identity, a column and a label, parsed once into the run's TrainOptions, and a bad value
// is one error naming the key and the allowed forms.
#include <catch2/catch.hpp>

#include <algorithm>

#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/spec_checks.hpp"
#include "experiments/harness/sweep_config.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

const std::string kBase = "norm = \"batch\"\nsteps = 3\n";

RunPlan plan_of(const std::string& text) {
  return expand_sweep(parse_sweep_config("s.toml", text, {}, false));
}

std::string spec_error_of(const std::string& text) {
  try {
    check_sweep_specs(parse_sweep_config("bad.toml", text, {}, false));
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("order at its default keeps the run ids of today; other orders are new runs") {
  const RunPlan plain = plan_of(kBase);
  const RunPlan explicit_default = plan_of(kBase + "order = \"shuffled\"\n");
  REQUIRE(plain.runs.size() == 1);
  CHECK(explicit_default.runs[0].id == plain.runs[0].id);
  CHECK(plain.runs[0].canonical.find("order") == std::string::npos);
  CHECK(plain.runs[0].train.order.kind == DataOrder::Kind::shuffled);

  const RunPlan sorted = plan_of(kBase + "order = \"class_blocks:2\"\n");
  CHECK(sorted.runs[0].id != plain.runs[0].id);
  CHECK(sorted.runs[0].canonical.find("order=class_blocks:2\n") != std::string::npos);
  CHECK(sorted.runs[0].train.order.kind == DataOrder::Kind::class_blocks);
  CHECK(sorted.runs[0].train.order.classes_per_batch == 2);
}

TEST_CASE("a swept order is a column and names the runs") {
  const RunPlan plan = plan_of(kBase + "order = [\"shuffled\", \"class_sorted\", \"class_blocks:4\"]\n");
  REQUIRE(plan.runs.size() == 3);
  CHECK(std::count(plan.columns.begin(), plan.columns.end(), "order") == 1);
  CHECK(plan.runs[1].label == "order=class_sorted");
  CHECK(plan.runs[2].train.order.classes_per_batch == 4);
}

TEST_CASE("a bad order is an error naming the key and the allowed forms") {
  const std::string error = spec_error_of(kBase + "order = \"class_blocks:0\"\n");
  CHECK_THAT(error, Catch::Contains("key 'order'") && Catch::Contains("class_blocks:K"));
  CHECK_THAT(spec_error_of(kBase + "order = \"random\"\n"), Catch::Contains("shuffled, class_sorted"));
}
