// Sweep configuration: parsing, overrides, expansion order and every configuration error.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/spec_checks.hpp"
#include "experiments/harness/sweep_config.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

const char* const kSweep = R"(
name = "demo"
norm = ["batch", "group:num_groups=2,eps=1e-5"]
batch_size = [8, 2]
lr = 0.1
seed = [0, 1]
steps = 20
[quick]
steps = 3
seed = 7
)";

std::string error_of(const std::string& text, const std::vector<std::string>& sets = {}, bool quick = false) {
  try {
    check_sweep_specs(parse_sweep_config("bad.toml", text, sets, quick));
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a sweep expands to the Cartesian product in config_keys() order, last key fastest") {
  const SweepConfig config = parse_sweep_config("demo.toml", kSweep, {}, false);
  const RunPlan plan = expand_sweep(config);
  REQUIRE(plan.runs.size() == 8);
  // Ids are content hashes (16 hex digits), distinct, in the order of the runs.
  std::set<std::string> ids;
  for (const auto& run : plan.runs) {
    CHECK(run.id.size() == 16);
    CHECK(run.id.find_first_not_of("0123456789abcdef") == std::string::npos);
    ids.insert(run.id);
  }
  CHECK(ids.size() == 8);
  CHECK(plan.runs[5].label == "norm=group:num_groups=2,eps=1e-5 batch_size=8 seed=1");
  // norm outermost, then batch_size, then seed.
  CHECK(plan.runs[0].model.norm == "batch");
  CHECK(plan.runs[0].train.batch_size == 8);
  CHECK(plan.runs[1].train.seed == 1);
  CHECK(plan.runs[2].train.batch_size == 2);
  CHECK(plan.runs[4].model.norm == "group:num_groups=2,eps=1e-5");
  CHECK(plan.runs[4].train.steps == 20);
  CHECK(plan.columns == std::vector<std::string>{"norm", "placement", "bias", "batch_size", "lr", "seed", "model",
                                                  "data", "optimizer", "schedule", "init", "steps", "epochs"});
  // steps is used, so the epochs column is empty.
  CHECK(plan.runs[0].column_values.back() == "");
  CHECK(plan.runs[0].column_values[11] == "20");
  CHECK(describe_run(plan, config, plan.runs[5]) == "norm=group:num_groups=2,eps=1e-5 batch_size=8 seed=1");
}

TEST_CASE("quick: --quick applies the [quick] table and --set overrides both") {
  const SweepConfig quick = parse_sweep_config("demo.toml", kSweep, {}, true);
  const RunPlan plan = expand_sweep(quick);
  REQUIRE(plan.runs.size() == 4);
  CHECK(plan.runs[0].train.steps == 3);
  CHECK(plan.runs[0].train.seed == 7);

  const SweepConfig set = parse_sweep_config(
      "demo.toml", kSweep, {"batch_size=[2,4,8]", "norm=group:num_groups=8", "epochs=0.5", "log_every=5"}, true);
  const RunPlan p = expand_sweep(set);
  REQUIRE(p.runs.size() == 3);
  CHECK(p.runs[0].model.norm == "group:num_groups=8");
  CHECK(p.runs[2].train.batch_size == 8);
  CHECK(p.runs[0].train.steps == 0);  // epochs replaced the [quick] steps
  CHECK(p.runs[0].train.epochs == 0.5);
  CHECK(p.runs[0].train.log_every == 5);

  const SweepConfig quoted = parse_sweep_config("demo.toml", kSweep, {"norm=\"layer\"", "bias=true"}, false);
  CHECK(expand_sweep(quoted).runs[0].model.norm == "layer");
  CHECK(expand_sweep(quoted).runs[0].model.bias == "true");
}

TEST_CASE("lr_scaling linear makes the learning rate proportional to the batch size") {
  const SweepConfig config = parse_sweep_config(
      "gn.toml", "lr = 0.1\nbatch_size = [32, 8, 2]\nlr_scaling = \"linear\"\nlr_reference_batch = 32\nsteps = 1\n", {},
      false);
  const RunPlan plan = expand_sweep(config);
  REQUIRE(plan.runs.size() == 3);
  CHECK(plan.runs[0].train.lr == Approx(0.1).epsilon(1e-15));
  CHECK(plan.runs[1].train.lr == Approx(0.025).epsilon(1e-15));
  CHECK(plan.runs[2].train.lr == Approx(0.00625).epsilon(1e-15));
  CHECK(plan.runs[1].column_values[4] == "0.025");  // runs.csv holds the rate used
  CHECK(config.name == "gn");                       // default name: the file's stem
}

TEST_CASE("defaults: epochs 1 when neither steps nor epochs is given") {
  const RunPlan plan = expand_sweep(parse_sweep_config("d.toml", "seed = 0\n", {}, false));
  REQUIRE(plan.runs.size() == 1);
  CHECK(plan.runs[0].train.steps == 0);
  CHECK(plan.runs[0].train.epochs == 1);
  CHECK(plan.runs[0].train.batch_size == 32);
  CHECK(plan.runs[0].model.norm == "none");
}

TEST_CASE("run identity: a run's id is its resolved configuration, not its position") {
  const auto ids_of = [](const std::string& text, const std::vector<std::string>& sets = {}) {
    std::map<std::string, std::string> by_label;
    const SweepConfig config = parse_sweep_config("i.toml", text, sets, false);
    for (const auto& run : expand_sweep(config).runs) by_label[run.label] = run.id;
    return by_label;
  };
  const auto three = ids_of("norm = [\"batch\", \"layer\"]\nseed = [0, 1, 2]\nsteps = 5\n");
  const auto four = ids_of("norm = [\"batch\", \"layer\"]\nseed = [0, 1, 2, 3]\nsteps = 5\n");
  REQUIRE(three.size() == 6);
  REQUIRE(four.size() == 8);
  for (const auto& [label, id] : three) CHECK(four.at(label) == id);  // adding a seed reuses every run
  const auto longer = ids_of("norm = [\"batch\", \"layer\"]\nseed = [0, 1, 2]\nsteps = 6\n");
  for (const auto& [label, id] : three) CHECK(longer.at(label) != id);  // another steps: other runs
  // The same run written differently (order of axes, an explicit default, --set) is the same run.
  const auto single = ids_of("steps = 5\nnorm = \"batch\"\nseed = 1\n");
  CHECK(ids_of("norm = \"batch\"\nseed = 1\nsteps = 5\nplacement = \"pre\"\n") == single);
  CHECK(ids_of("norm = \"batch\"\nsteps = 5\n", {"seed=1"}) == single);
  CHECK(ids_of("norm = \"batch\"\nsteps = 5\nseed = 1\nlr = 0.2\n") != single);
  // lr_scaling: the identity holds the rate used, so the same rate given either way is one run.
  const auto only_id = [](const std::map<std::string, std::string>& m) { return m.begin()->second; };
  CHECK(only_id(ids_of("norm = \"batch\"\nsteps = 5\nseed = 1\nlr = 0.2\nbatch_size = 16\n")) ==
        only_id(ids_of("norm = \"batch\"\nsteps = 5\nseed = 1\nlr = 0.4\nbatch_size = 16\nlr_scaling = \"linear\"\n"
               "lr_reference_batch = 32\n")));
}

TEST_CASE("placement does not apply to the identity and weight norm: their pre and post runs are one run") {
  const SweepConfig config = parse_sweep_config(
      "p.toml", "norm = [\"none\", \"batch\", \"weight\"]\nplacement = [\"pre\", \"post\"]\nsteps = 3\n", {}, false);
  const RunPlan plan = expand_sweep(config);
  CHECK(plan.combinations == 6);
  REQUIRE(plan.runs.size() == 4);
  std::vector<std::string> labels;
  for (const auto& run : plan.runs) labels.push_back(run.label);
  CHECK(labels == std::vector<std::string>{"norm=none placement=n/a", "norm=batch placement=pre",
                                           "norm=batch placement=post", "norm=weight placement=n/a"});
  CHECK(plan.runs[3].index == 3);
  CHECK(plan.runs[0].column_values[1] == "n/a");
  CHECK(plan.runs[3].model.norm == "weight");
}

TEST_CASE("placement does not apply to the lstm: its pre and post runs are one run, placement none another") {
  const SweepConfig config =
      parse_sweep_config("p.toml",
                         "model = \"lstm:hidden=8,embed=4\"\ndata = \"markov:context=8\"\nnorm = [\"none\", "
                         "\"layer\", \"batch\"]\n"
                         "placement = [\"pre\", \"post\", \"none\"]\nsteps = 3\n",
                         {}, false);
  const RunPlan plan = expand_sweep(config);
  CHECK(plan.combinations == 9);
  std::vector<std::string> labels;
  std::set<std::string> ids;
  for (const auto& run : plan.runs)
    labels.push_back(run.label), ids.insert(run.id);
  CHECK(labels == std::vector<std::string>{"norm=none placement=n/a", "norm=layer placement=n/a",
                                           "norm=layer placement=none", "norm=batch placement=n/a",
                                           "norm=batch placement=none"});
  CHECK(ids.size() == plan.runs.size());
  REQUIRE(plan.runs.size() == 5);
  CHECK(plan.runs[1].model.placement == "pre");  // the first of the merged combinations is the one trained
  CHECK(plan.runs[2].model.placement == "none");
  CHECK(plan.runs[1].canonical.find("placement=n/a\n") != std::string::npos);

  // The transformer places its normalizer: pre and post stay two runs.
  const RunPlan transformer = expand_sweep(parse_sweep_config(
      "t.toml",
      "model = \"transformer:layers=1,width=8,heads=2\"\ndata = \"markov:context=8\"\nnorm = \"layer\"\n"
      "placement = [\"pre\", \"post\"]\nsteps = 3\n",
      {}, false));
  REQUIRE(transformer.runs.size() == 2);
  CHECK(transformer.runs[0].label == "placement=pre");
  CHECK(transformer.runs[1].label == "placement=post");
}

TEST_CASE("a sweep's size is checked before anything is expanded") {
  std::string values;
  for (int i = 0; i < 400; ++i) values += (i ? "," : "") + std::to_string(i);
  const std::string text = "seed = [" + values + "]\nbatch_size = [" + values.substr(values.find(',') + 1) +
                           "]\nsteps = 1\n";
  const SweepConfig config = parse_sweep_config("big.toml", text, {}, false);
  CHECK_THROWS_WITH(expand_sweep(config), Catch::Contains("more than 100000 runs") && Catch::Contains("seed (400)") &&
                                              Catch::Contains("batch_size (399)"));
}

TEST_CASE("an empty configuration and --quick without a [quick] table are errors") {
  CHECK_THROWS_WITH(parse_sweep_config("e.toml", "", {}, false), Catch::Contains("e.toml: the configuration is empty"));
  CHECK_THROWS_WITH(parse_sweep_config("e.toml", "# nothing\n", {}, false), Catch::Contains("is empty"));
  CHECK_NOTHROW(parse_sweep_config("e.toml", "", {"steps=3"}, false));
  CHECK_THROWS_WITH(parse_sweep_config("q.toml", "steps = 3\n", {}, true),
                    Catch::Contains("q.toml: --quick needs a [quick] table"));
}

TEST_CASE("every configuration error names the file, the key and what is allowed") {
  CHECK_THAT(error_of("colour = 3\n"), Catch::Contains("bad.toml: unknown key 'colour'; valid keys: norm,"));
  CHECK_THAT(error_of("lr = \"fast\"\n"),
             Catch::Contains("bad.toml: key 'lr': expected a number > 0, got string \"fast\""));
  CHECK_THAT(error_of("batch_size = [4, 0]\n"), Catch::Contains("bad.toml: key 'batch_size': expected an integer >= 1"));
  CHECK_THAT(error_of("batch_size = 2.5\n"), Catch::Contains("key 'batch_size': expected an integer >= 1, got float 2.5"));
  CHECK_THAT(error_of("seed = []\n"), Catch::Contains("bad.toml: key 'seed': an empty list makes an empty sweep"));
  CHECK_THAT(error_of("placement = \"middle\"\n"),
             Catch::Contains("key 'placement': expected one of pre, post, none, got string \"middle\""));
  CHECK_THAT(error_of("steps = 3\nepochs = 1\n"), Catch::Contains("give steps or epochs, not both"));
  CHECK_THAT(error_of("norm = [\"batch\", \"batch\"]\n"), Catch::Contains("is listed twice"));
  CHECK_THAT(error_of("lr = 0.1\nlr = 0.2\n"), Catch::Contains("bad.toml:2:"));
  CHECK_THAT(error_of("[quick]\nstep = 3\n"), Catch::Contains("bad.toml [quick]: unknown key 'step'"));
  CHECK_THAT(error_of("", {"lr=fast"}), Catch::Contains("--set lr: key 'lr': expected a number > 0"));
  CHECK_THAT(error_of("", {"nope=1"}), Catch::Contains("--set: unknown key 'nope'"));
  CHECK_THAT(error_of("", {"lr"}), Catch::Contains("expected key=value"));
  CHECK_THAT(error_of("name = [\"a\", \"b\"]\n"), Catch::Contains("key 'name': expected a string (not a list)"));
  CHECK_THAT(error_of("name = \"../x\"\n"), Catch::Contains("not a usable directory name"));
  // Spec values are checked by their family's validator.
  CHECK_THAT(error_of("norm = [\"batch\", \"group:groups=2\"]\n"),
             Catch::Contains("bad.toml: key 'norm': ") && Catch::Contains("groups"));
  CHECK_THAT(error_of("norm = \"btach\"\n"), Catch::Contains("key 'norm'") && Catch::Contains("batch"));
  CHECK_THAT(error_of("data = \"mnist:path=/no/such/dir\"\n"),
             Catch::Contains("key 'data'") && Catch::Contains("/no/such/dir"));
}
