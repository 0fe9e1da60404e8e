// probes.csv in the results store: byte-identical whatever --jobs is and whether the sweep ran in
// shards merged afterwards; `normlab list` shows the probe family from its registry.
#include <catch2/catch.hpp>

#include <algorithm>

#include "harness/process_util.hpp"

using namespace normlab::test;

TEST_CASE("probes.csv is the same with one job with two jobs and from merged shards") {
  TempDir dir("probes-store");
  write_text(
      dir / "s.toml",
      "norm = [\"none\", \"batch\", \"layer\"]\nmodel = \"mlp:widths=8x8\"\nsteps = 6\nprobe_every = 3\n"
      "probes = [\"ics\", \"landscape\", \"layer_norms\", \"init_gradients\"]\n");
  REQUIRE(run_normlab({"run", "s.toml", "--out", "one", "--jobs", "1"}, dir.path()).status == 0);
  REQUIRE(run_normlab({"run", "s.toml", "--out", "two", "--jobs", "2"}, dir.path()).status == 0);
  REQUIRE(run_normlab({"run", "s.toml", "--out", "a", "--shard", "0/2"}, dir.path()).status == 0);
  REQUIRE(run_normlab({"run", "s.toml", "--out", "b", "--shard", "1/2"}, dir.path()).status == 0);
  const Outcome merged = run_normlab({"merge", "merged", "a", "b"}, dir.path());
  REQUIRE(merged.status == 0);
  const std::string reference = slurp(dir / "one/probes.csv");
  CHECK(reference.rfind("run_id,step,layer,probe,stat,value\n", 0) == 0);
  CHECK(std::count(reference.begin(), reference.end(), '\n') > 100);
  CHECK(slurp(dir / "two/probes.csv") == reference);
  CHECK(slurp(dir / "merged/probes.csv") == reference);
  CHECK(slurp(dir / "merged/curves.csv") == slurp(dir / "one/curves.csv"));
}

TEST_CASE("normlab list shows every probe of the registry") {
  TempDir dir("probes-list");
  const Outcome text = run_normlab({"list"}, dir.path());
  REQUIRE(text.status == 0);
  for (const char* kind :
       {"ics", "landscape", "predictiveness", "layer_norms", "sharpness", "init_gradients"})
    CHECK_THAT(text.out, Catch::Contains(std::string("  ") + kind + "  "));
  const Outcome json = run_normlab({"list", "--json"}, dir.path());
  REQUIRE(json.status == 0);
  CHECK_THAT(json.out, Catch::Contains("\"family\": \"probe\", \"config_key\": \"probes\""));
}
