// PreciseBN (precise_bn.hpp): after training, the running buffers of every batch-statistics
// normalizer are the plain average of the batch statistics of K training batches, computed here
// by hand; the rest of the model is unchanged; the training trajectory is byte-identical with and
// without it, and K = 0 changes nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "experiments/data/batcher.hpp"
#include "experiments/data/make_dataset.hpp"
#include "experiments/train/precise_bn.hpp"
#include "experiments/train/trainer.hpp"
#include "recording_sink.hpp"

using namespace normlab;

namespace {

const Dataset& tabular() {
  static const Dataset data = make_dataset("tabular:train=512,test=256,standardize=true", 1);
  return data;
}

Model<float> mlp(const std::string& norm, const std::string& reparam = "none") {
  ModelOptions options;
  options.model = "mlp:widths=12x10";
  options.norm = norm;
  options.reparam = reparam;
  Rng rng = Rng::stream(0, "init");
  return build_model<float>(options, tabular().sample_shape, tabular().num_classes, rng);
}

TrainOptions options(std::size_t steps, std::size_t precise_bn) {
  TrainOptions o;
  o.optimizer = "sgd:momentum=0.9";
  o.lr = 0.05;
  o.batch_size = 16;
  o.steps = steps;
  o.eval_every = 10;
  o.log_every = 5;
  o.seed = 4;
  o.precise_bn = precise_bn;
  return o;
}

std::vector<Tensor<float>> buffer_values(Model<float>& model) {
  std::vector<Tensor<float>> values;
  for (const auto& b : model.buffers())
    values.push_back(*b.value);
  return values;
}

void restore(Model<float>& model, const std::vector<Tensor<float>>& values) {
  auto buffers = model.buffers();
  for (std::size_t i = 0; i < buffers.size(); ++i)
    *buffers[i].value = values[i];
}

// The per-channel mean and unbiased variance of x: (N, C), in double.
void channel_stats(const Tensor<float>& x, std::vector<double>& mean, std::vector<double>& var) {
  const std::size_t n = x.shape()[0], c = x.shape()[1];
  mean.assign(c, 0.0), var.assign(c, 0.0);
  for (std::size_t j = 0; j < c; ++j) {
    for (std::size_t i = 0; i < n; ++i)
      mean[j] += x.data()[i * c + j];
    mean[j] /= double(n);
    for (std::size_t i = 0; i < n; ++i)
      var[j] += (x.data()[i * c + j] - mean[j]) * (x.data()[i * c + j] - mean[j]);
    var[j] /= double(n - 1);
  }
}

}  // namespace

TEST_CASE("PreciseBN sets running_mean and running_var to the plain average over K batches") {
  // Renorm with rmax, dmax > 1, 0 uses its running buffers in training: they must stay the
  // trained ones during the K forwards (every other state held fixed), as the hand loop holds them.
  for (const char* norm : {"batch", "mean_only", "batch_renorm:rmax=1.5,dmax=0.5"}) {
    INFO(norm);
    Model<float> model = mlp(norm);
    RecordingSink sink;
    // Running buffers away from their initial values.
    REQUIRE(train(model, tabular(), options(30, 0), sink).status == "ok");
    const std::vector<Tensor<float>> trained = buffer_values(model);

    // By hand: the batches of the run's "precise_bn" stream, each normalizer's input in training
    // mode, its batch mean and unbiased variance, averaged with equal weights.
    constexpr std::size_t K = 7;
    const auto normalizers = precise_statistics_normalizers(model);
    REQUIRE(normalizers.size() == 2);
    std::vector<Layer<float>*> norm_layers;
    for (const auto& layer : model.layers())
      if (layer->activation_normalizer()) norm_layers.push_back(layer.get());
    REQUIRE(norm_layers.size() == 2);
    std::vector<std::vector<double>> mean_sum(2), var_sum(2);
    Batcher batcher(tabular().train, 16, true, Rng::stream(4, "precise_bn").next_u64());
    Tensor<float> x;
    std::vector<std::int32_t> labels;
    for (std::size_t b = 0; b < K; ++b) {
      batcher.next(x, labels);
      model.forward(x, Mode::train);
      for (std::size_t l = 0; l < 2; ++l) {
        std::vector<double> mean, var;
        channel_stats(*norm_layers[l]->last_input(), mean, var);
        mean_sum[l].resize(mean.size(), 0.0), var_sum[l].resize(var.size(), 0.0);
        for (std::size_t c = 0; c < mean.size(); ++c)
          mean_sum[l][c] += mean[c], var_sum[l][c] += var[c];
      }
      restore(model, trained);
    }

    update_precise_statistics(model, tabular().train, 16, true, K, 4);
    for (std::size_t l = 0; l < 2; ++l) {
      Normalizer<float>& n = *norm_layers[l]->activation_normalizer();
      const Tensor<float>& running_mean = n.buffer("running_mean");
      REQUIRE(running_mean.size() == mean_sum[l].size());
      for (std::size_t c = 0; c < running_mean.size(); ++c)
        CHECK(running_mean.data()[c] == Approx(mean_sum[l][c] / K).margin(1e-6).epsilon(1e-6));
      if (std::string(norm) != "mean_only") {
        const Tensor<float>& running_var = n.buffer("running_var");
        for (std::size_t c = 0; c < running_var.size(); ++c)
          CHECK(running_var.data()[c] == Approx(var_sum[l][c] / K).margin(1e-6).epsilon(1e-6));
      }
      // The forwards are counted, as PyTorch's would count them.
      CHECK(n.buffer("num_batches_tracked")() == 30 + K);
    }
    // And the precise average is not the EMA that training left.
    CHECK(norm_layers[0]->activation_normalizer()->buffer("running_mean").data()[0] != trained[0].data()[0]);
  }
}

TEST_CASE(
    "PreciseBN holds every other buffer fixed and ignores normalizers without running batch statistics") {
  Model<float> model = mlp("batch", "spectral");
  const std::vector<Tensor<float>> before = buffer_values(model);
  const auto buffers = model.buffers();
  update_precise_statistics(model, tabular().train, 16, true, 5, 0);
  const auto after = model.buffers();
  std::size_t held = 0, changed = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    const bool same = std::equal(before[i].begin(), before[i].end(), after[i].value->begin());
    if (after[i].name.find("weight_u") != std::string::npos ||
        after[i].name.find("weight_v") != std::string::npos) {
      CHECK(same);  // spectral norm iterates u, v in training mode; PreciseBN puts them back
      ++held;
    }
    if (after[i].name.find("running_mean") != std::string::npos) changed += !same;
  }
  CHECK(held == 4);     // u and v of two hidden layers
  CHECK(changed == 2);  // both batch norms recomputed

  // Layer norm keeps no running buffers; instance norm's are not of batch statistics.
  Model<float> layer_norm = mlp("layer");
  CHECK(precise_statistics_normalizers(layer_norm).empty());
  CHECK(precise_statistics_normalizers(model).size() == 2);
}

TEST_CASE("with PreciseBN the training curves are byte-identical up to the final evaluation") {
  Model<float> plain = mlp("batch"), precise = mlp("batch");
  RecordingSink plain_sink, precise_sink;
  const TrainResult a = train(plain, tabular(), options(40, 0), plain_sink);
  const TrainResult b = train(precise, tabular(), options(40, 6), precise_sink);
  CHECK(plain_sink.select("test_ema", "loss").empty());

  // Every record but the final test ones is the same, in the same order.
  std::vector<MetricRecord> others;
  for (const auto& r : precise_sink.metrics)
    if (r.split != "test_ema" && !(r.split == "test" && r.step == 40)) others.push_back(r);
  std::vector<MetricRecord> plain_others;
  for (const auto& r : plain_sink.metrics)
    if (!(r.split == "test" && r.step == 40)) plain_others.push_back(r);
  REQUIRE(others.size() == plain_others.size());
  REQUIRE(others.size() > 20);
  for (std::size_t i = 0; i < others.size(); ++i) {
    CHECK(others[i].split == plain_others[i].split);
    CHECK(others[i].metric == plain_others[i].metric);
    CHECK(others[i].step == plain_others[i].step);
    CHECK(others[i].value == plain_others[i].value);
  }
  // The EMA's final metrics are the plain run's; the final test metrics use the precise buffers.
  const auto ema = precise_sink.select("test_ema", "loss");
  REQUIRE(ema.size() == 1);
  CHECK(ema[0].step == 40);
  CHECK(ema[0].value == a.test_loss);
  CHECK(precise_sink.select("test_ema", "accuracy")[0].value == a.test_accuracy);
  CHECK(b.test_loss != a.test_loss);
  CHECK(precise_sink.select("test", "loss").back().value == b.test_loss);
  // The parameters are the same: only the buffers differ.
  auto pa = plain.parameters(), pb = precise.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    CHECK(std::equal(pa[i].value->begin(), pa[i].value->end(), pb[i].value->begin()));
}

TEST_CASE("precise_bn = 0 changes nothing") {
  Model<float> model = mlp("batch");
  RecordingSink sink;
  train(model, tabular(), options(10, 0), sink);
  const std::vector<Tensor<float>> before = buffer_values(model);
  update_precise_statistics(model, tabular().train, 16, true, 0, 4);
  const auto after = model.buffers();
  for (std::size_t i = 0; i < after.size(); ++i)
    CHECK(std::equal(before[i].begin(), before[i].end(), after[i].value->begin()));
}
