// Probes must not change training: the same steps with every probe on and with none give the
// same losses, parameters, gradients, running buffers and random streams, bit for bit (in
// process, float and double, batch norm and dropout); and through the normlab executable a
// sweep's curves.csv, layer_stats.csv and outcome.csv are byte-identical with and without probes.

#include <cstring>

#include <catch2/catch.hpp>

#include "experiments/harness/csv.hpp"
#include "harness/process_util.hpp"
#include "probes/probe_test_util.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

const std::vector<std::string> kEveryProbe = {
    "ics", "landscape", "predictiveness", "layer_norms", "sharpness:iterations=3", "init_gradients"};

template <class T>
Model<T> dropout_batch_norm_mlp() {
  ModelOptions options;
  options.model = "mlp:widths=7x6,act=tanh,dropout=0.3";
  options.norm = "batch";
  Rng rng(4);
  return build_model<T>(options, {5}, 3, rng);
}

template <class T>
bool same_bits(const Tensor<T>& a, const Tensor<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class T>
void check_unperturbed() {
  Model<T> probed = dropout_batch_norm_mlp<T>(), plain = dropout_batch_norm_mlp<T>();
  ProbeRows rows;
  ProbedStep<T> with(probed, probe_options(kEveryProbe), LossKind::cross_entropy);
  ProbedStep<T> without(plain, probe_options({}), LossKind::cross_entropy);
  Rng rng(8);
  for (std::size_t step = 1; step <= 3; ++step) {
    const Tensor<T> x = random_tensor<T>({10, 5}, rng);
    const std::vector<std::int32_t> labels = {0, 1, 2, 2, 1, 0, 0, 1, 2, 1};
    CHECK(with.run(step, x, labels, rows) == without.run(step, x, labels, rows));
  }
  REQUIRE(rows.count > 50);  // the probes did run
  const auto a = probed.parameters(), b = plain.parameters();
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].name);
    CHECK(same_bits(*a[i].value, *b[i].value));
    CHECK(same_bits(*a[i].grad, *b[i].grad));
  }
  const auto ba = probed.buffers(), bb = plain.buffers();
  REQUIRE(!ba.empty());
  for (std::size_t i = 0; i < ba.size(); ++i)
    CHECK(same_bits(*ba[i].value, *bb[i].value));
  for (std::size_t i = 0; i < probed.layers().size(); ++i) {
    const auto sa = probed.layers()[i]->random_streams(), sb = plain.layers()[i]->random_streams();
    for (std::size_t s = 0; s < sa.size(); ++s) {
      CHECK(sa[s].second->state().state == sb[s].second->state().state);
      CHECK(sa[s].second->next_u64() == sb[s].second->next_u64());
    }
  }
}

// outcome.csv without the columns that time the run.
std::string outcome_without_times(const std::string& csv) {
  CsvTable table = parse_csv(csv, "outcome.csv");
  std::string text;
  for (std::size_t c = 0; c < table.header.size(); ++c)
    if (table.header[c] != "wall_seconds" && table.header[c] != "finished")
      text += table.header[c] + "=" + table.rows.at(0).at(c) + "\n";
  return text;
}

}  // namespace

TEST_CASE("every probe leaves a double model's training bit for bit as without probes") {
  check_unperturbed<double>();
}

TEST_CASE("every probe leaves a float model's training bit for bit as without probes") {
  check_unperturbed<float>();
}

TEST_CASE("a sweep run with every probe has byte-identical curves and layer statistics and outcome") {
  TempDir dir("probes-e2e");
  const std::string common = "norm = \"batch\"\nsteps = 12\neval_every = 6\nstats_every = 3\n";
  const std::string models =
      "model = [\"mlp:widths=16x16,dropout=0.2\", \"vgg:widths=4x8\"]\ndata = \"glyphs:train=256,test=64\"\n";
  write_text(dir / "plain.toml", "name = \"p\"\n" + common + models);
  write_text(dir / "probed.toml",
             "name = \"p\"\n" + common + models +
                 "probes = [\"ics\", \"landscape\", \"predictiveness\", \"layer_norms\", "
                 "\"sharpness:iterations=4\", \"init_gradients\"]\nprobe_every = 4\n");
  const Outcome plain = run_normlab({"run", "plain.toml", "--out", "plain", "--jobs", "2"}, dir.path());
  REQUIRE(plain.status == 0);
  const Outcome probed = run_normlab({"run", "probed.toml", "--out", "probed", "--jobs", "2"}, dir.path());
  REQUIRE(probed.status == 0);
  const CsvTable plain_runs = read_csv(dir / "plain/runs.csv"),
                 probed_runs = read_csv(dir / "probed/runs.csv");
  REQUIRE(plain_runs.rows.size() == 2);
  REQUIRE(probed_runs.rows.size() == 2);
  for (std::size_t r = 0; r < 2; ++r) {
    const std::string a = dir / ("plain/.runs/" + plain_runs.rows[r][0]),
                      b = dir / ("probed/.runs/" + probed_runs.rows[r][0]);
    REQUIRE(a != b);
    CHECK(slurp(a + "/curves.csv").size() > 100);
    auto without_id = [](const std::string& rows) {  // the rows' first column is the run id
      std::string out;
      std::size_t at = 0;
      while (at < rows.size()) {
        const std::size_t end = rows.find('\n', at);
        out += rows.substr(rows.find(',', at), end - rows.find(',', at)) + "\n";
        at = end + 1;
      }
      return out;
    };
    CHECK(without_id(slurp(a + "/curves.csv")) == without_id(slurp(b + "/curves.csv")));
    CHECK(without_id(slurp(a + "/layer_stats.csv")) == without_id(slurp(b + "/layer_stats.csv")));
    CHECK(outcome_without_times(slurp(a + "/outcome.csv")) ==
          outcome_without_times(slurp(b + "/outcome.csv")));
    CHECK(!std::filesystem::exists(a + "/probes.csv"));
    CHECK(slurp(b + "/probes.csv").size() > 100);
  }
  // The view's probes.csv: a header and every run's rows; none without probes.
  const CsvTable view = read_csv(dir / "probed/probes.csv");
  CHECK(view.header == std::vector<std::string>{"run_id", "step", "layer", "probe", "stat", "value"});
  CHECK(view.rows.size() > 100);
  CHECK(!std::filesystem::exists(dir / "plain/probes.csv"));
}
