// The sweep keys probes, probe_every and probe_lrs: a list is one value (a list of lists is an
// axis), their defaults keep every existing run id, non-default values are part of the identity
// (they change what a run writes), and bad probes are errors naming the key and what is allowed.
#include <catch2/catch.hpp>

#include "experiments/harness/config_keys.hpp"
#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/spec_checks.hpp"
#include "experiments/harness/sweep_config.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

const std::string kBase = "norm = \"batch\"\nsteps = 3\n";

RunPlan plan_of(const std::string& text, const std::vector<std::string>& sets = {}) {
  const SweepConfig config = parse_sweep_config("s.toml", text, sets, false);
  check_sweep_specs(config);
  return expand_sweep(config);
}

std::string error_of(const std::string& text) {
  try {
    plan_of(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("probes and probe_every and probe_lrs at their defaults keep the run ids of today") {
  const RunPlan plain = plan_of(kBase);
  const RunPlan defaults =
      plan_of(kBase + "probes = []\nprobe_every = 10\nprobe_lrs = [0.05, 0.1, 0.2, 0.5, 1, 2, 4]\n");
  CHECK(defaults.runs.at(0).id == plain.runs.at(0).id);
  CHECK(plain.runs[0].canonical.find("probe") == std::string::npos);
  CHECK(plain.columns == defaults.columns);
  CHECK(plain.runs[0].train.probes.probes.empty());
  CHECK(plain.runs[0].train.probes.lrs == default_probe_lrs());
  // The default's TOML text is what its value prints as, so the comparison with it is exact.
  CHECK(find_config_key("probe_lrs")->default_value == "[0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 4.0]");
}

TEST_CASE("a probes list is one value of the run and part of its identity") {
  const RunPlan plain = plan_of(kBase);
  const RunPlan probed = plan_of(kBase + "probes = [\"ics\", \"sharpness:iterations=5\"]\nprobe_every = 4\n");
  REQUIRE(probed.runs.size() == 1);
  CHECK(probed.runs[0].id != plain.runs[0].id);
  CHECK(probed.runs[0].train.probes.probes == std::vector<std::string>{"ics", "sharpness:iterations=5"});
  CHECK(probed.runs[0].train.probes.every == 4);
  CHECK(probed.runs[0].canonical.find("probes=ics+sharpness:iterations=5\n") != std::string::npos);
  const RunPlan grid = plan_of(kBase + "probes = [\"landscape\"]\nprobe_lrs = [0.5, 2]\n");
  CHECK(grid.runs[0].train.probes.lrs == std::vector<double>{0.5, 2});
  // --set takes the same TOML list.
  CHECK(plan_of(kBase, {"probes=[\"ics\", \"sharpness:iterations=5\"]", "probe_every=4"}).runs[0].id ==
        probed.runs[0].id);
}

TEST_CASE("a list of probes lists sweeps them") {
  const RunPlan plan = plan_of(kBase + "probes = [[], [\"ics\", \"landscape\"]]\n");
  REQUIRE(plan.runs.size() == 2);
  CHECK(plan.runs[0].train.probes.probes.empty());
  CHECK(plan.runs[1].train.probes.probes.size() == 2);
  CHECK(plan.runs[1].label == "probes=ics+landscape");
}

TEST_CASE("bad probes are errors naming the key and what is allowed") {
  CHECK_THAT(error_of(kBase + "probes = [\"nope\"]\n"),
             Catch::Contains("key 'probes'") && Catch::Contains("nope") && Catch::Contains("landscape") &&
                 Catch::Contains("init_gradients"));
  CHECK_THAT(error_of(kBase + "probes = [\"ics\", \"ics\"]\n"), Catch::Contains("listed twice"));
  CHECK_THAT(error_of(kBase + "probes = [\"sharpness\", \"sharpness:iterations=3\"]\n"),
             Catch::Contains("listed twice"));
  CHECK_THAT(error_of(kBase + "probes = [\"sharpness:iterations=0\"]\n"), Catch::Contains("iterations"));
  CHECK_THAT(error_of(kBase + "probes = [3]\n"), Catch::Contains("key 'probes'"));
  CHECK_THAT(error_of(kBase + "probe_lrs = [0.5, -1]\n"), Catch::Contains("key 'probe_lrs'"));
  CHECK_THAT(error_of(kBase + "probe_lrs = 0.5\n"), Catch::Contains("key 'probe_lrs'"));
  CHECK_THAT(error_of(kBase + "probe_every = 0\n"), Catch::Contains("key 'probe_every'"));
  CHECK_THAT(error_of(kBase + "probes = [[\"ics\"], \"landscape\"]\n"), Catch::Contains("only lists"));
}
