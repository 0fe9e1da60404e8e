// The sweep keys `reparam` and `precise_bn`: their defaults keep every existing run id, a swept
// value is a runs.csv column and a label, and bad values are errors naming the key and what is
// allowed (the kinds from the normalizer registry).
#include <catch2/catch.hpp>

#include <algorithm>

#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/spec_checks.hpp"
#include "experiments/harness/sweep_config.hpp"
#include "harness/harness_test_util.hpp"
#include "harness/process_util.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

const std::string kBase = "norm = \"group:num_groups=2\"\nsteps = 3\n";

RunPlan plan_of(const std::string& text) {
  return expand_sweep(parse_sweep_config("s.toml", text, {}, false));
}

std::string error_of(const std::string& text) {
  try {
    check_sweep_specs(parse_sweep_config("bad.toml", text, {}, false));
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("reparam and precise_bn at their defaults keep the run ids of today") {
  const RunPlan plain = plan_of(kBase);
  const RunPlan explicit_defaults = plan_of(kBase + "reparam = \"none\"\nprecise_bn = 0\n");
  REQUIRE(plain.runs.size() == 1);
  CHECK(explicit_defaults.runs[0].id == plain.runs[0].id);
  CHECK(plain.runs[0].canonical.find("reparam") == std::string::npos);
  CHECK(plain.runs[0].canonical.find("precise_bn") == std::string::npos);
  CHECK(plain.columns == explicit_defaults.columns);

  const RunPlan ws = plan_of(kBase + "reparam = \"weight_std\"\nprecise_bn = 50\n");
  CHECK(ws.runs[0].id != plain.runs[0].id);
  CHECK(ws.runs[0].model.reparam == "weight_std");
  CHECK(ws.runs[0].train.precise_bn == 50);
  CHECK(ws.runs[0].canonical.find("reparam=weight_std\n") != std::string::npos);
}

TEST_CASE("swept reparam and precise_bn are columns and name the runs") {
  const RunPlan plan = plan_of(kBase + "reparam = [\"none\", \"weight_std\"]\nprecise_bn = [0, 20]\n");
  REQUIRE(plan.runs.size() == 4);
  CHECK(std::count(plan.columns.begin(), plan.columns.end(), "reparam") == 1);
  CHECK(std::count(plan.columns.begin(), plan.columns.end(), "precise_bn") == 1);
  CHECK(plan.runs[0].label == "reparam=none precise_bn=0");
  CHECK(plan.runs[3].label == "reparam=weight_std precise_bn=20");
  CHECK(plan.runs[3].train.precise_bn == 20);
}

TEST_CASE(
    "a reparam that is not a weight reparameterization is an error naming the key and the allowed kinds") {
  const std::string e = error_of(kBase + "reparam = \"batch\"\n");
  CHECK_THAT(e, Catch::StartsWith("bad.toml"));
  CHECK_THAT(e, Catch::Contains("key 'reparam'") && Catch::Contains("reparam 'batch'") &&
                    Catch::Contains("weight_std") && Catch::Contains("spectral") && Catch::Contains("none"));
  CHECK_THAT(error_of(kBase + "reparam = \"weight_std:eps=-1\"\n"), Catch::Contains("key 'reparam'"));
  CHECK_THAT(error_of(kBase + "reparam = \"nope\"\n"),
             Catch::Contains("key 'reparam'") && Catch::Contains("nope"));
  CHECK(error_of(kBase + "reparam = [\"weight\", \"spectral:n_power_iterations=2\"]\n") == "no error");
}

TEST_CASE("precise_bn takes an integer >= 0") {
  for (const char* bad : {"precise_bn = -1\n", "precise_bn = 1.5\n", "precise_bn = \"many\"\n"}) {
    INFO(bad);
    std::string e;
    try {
      parse_sweep_config("bad.toml", kBase + bad, {}, false);
    } catch (const InputError& error) {
      e = error.what();
    }
    CHECK_THAT(e, Catch::Contains("key 'precise_bn'") && Catch::Contains("integer >= 0"));
  }
}

TEST_CASE(
    "normlab run: bad reparam values exit with status 2 before anything runs; GN + WS with PreciseBN runs") {
  TempDir dir("reparam");
  const std::string data =
      "data = \"glyphs:train=64,test=32\"\nmodel = \"vgg:widths=4\"\nbatch_size = 8\nsteps = 3\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"norm = \"batch\"\nreparam = \"layer\"\n", "bad.toml: key 'reparam': reparam 'layer' is an activation"},
      {"norm = \"weight\"\nreparam = \"weight_std\"\n", "both reparameterize"},
      {"norm = \"batch\"\nprecise_bn = -2\n", "key 'precise_bn'"},
  };
  for (const auto& [toml, message] : cases) {
    INFO(toml);
    write_text(dir.path() + "/bad.toml", data + toml);
    const Outcome o = run_normlab({"run", "bad.toml", "--out", "out"}, dir.path());
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::Contains(message));
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  }
  write_text(dir.path() + "/good.toml",
             data + "norm = \"group:num_groups=2\"\nreparam = [\"none\", \"weight_std\"]\nprecise_bn = 2\n");
  const Outcome o = run_normlab({"run", "good.toml", "--out", "out"}, dir.path());
  INFO(o.err);
  REQUIRE(o.status == 0);
  const std::string runs = slurp(dir.path() + "/out/runs.csv");
  CHECK_THAT(runs, Catch::Contains(",reparam,"));
  CHECK_THAT(runs, Catch::Contains("weight_std"));
  // Group norm keeps no running buffers: PreciseBN has nothing to do, but the EMA split is still recorded.
  CHECK_THAT(slurp(dir.path() + "/out/curves.csv"), Catch::Contains(",test_ema,"));
}
