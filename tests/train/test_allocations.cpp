// A steady-state training step allocates nothing: global operator new is counted between two
// progress callbacks, after warm-up, on steps that record nothing.
#include <catch2/catch.hpp>

#include <array>

#include "allocation_counter.hpp"
#include "experiments/data/make_dataset.hpp"
#include "experiments/train/trainer.hpp"


using namespace normlab;

namespace {

class NullSink : public MetricSink {
 public:
  void metric(std::size_t, double, const std::string&, const std::string&, double) override {}
  void layer_stat(std::size_t, const std::string&, const std::string&, double) override {}
};

// y = x W + b with plain loops and owned buffers: a layer known to allocate nothing after its
// first call, so that the trainer's own steps are what is measured.
class AffineLayer final : public Layer<float> {
 public:
  AffineLayer(std::size_t in, std::size_t out) : weight_(Tensor<float>::from_shape({in, out})),
                                                 bias_(Tensor<float>::from_shape({out})),
                                                 dweight_(Tensor<float>::from_shape({in, out})),
                                                 dbias_(Tensor<float>::from_shape({out})) {
    Rng rng(1);
    for (auto& w : weight_) w = float(rng.normal(0, 0.01));
    bias_.fill(0.0f);
  }
  std::string describe() const override { return "Affine"; }
  Shape output_shape(const Shape& input) const override { return {input[0], bias_.size()}; }
  const Tensor<float>& forward(const Tensor<float>& x, Mode) override {  // x: (N, in)
    x_ = &x;
    const std::size_t n = x.shape()[0], in = weight_.shape()[0], out = weight_.shape()[1];
    if (y_.dimension() != 2 || y_.shape()[0] != n) y_.resize({n, out});
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t o = 0; o < out; ++o) {
        float sum = bias_(o);
        for (std::size_t k = 0; k < in; ++k) sum += x.data()[i * in + k] * weight_.data()[k * out + o];
        y_.data()[i * out + o] = sum;
      }
    return y_;
  }
  const Tensor<float>& backward(const Tensor<float>& dy) override {
    const std::size_t n = dy.shape()[0], in = weight_.shape()[0], out = weight_.shape()[1];
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t o = 0; o < out; ++o) {
        dbias_(o) += dy.data()[i * out + o];
        for (std::size_t k = 0; k < in; ++k) dweight_.data()[k * out + o] += x_->data()[i * in + k] * dy.data()[i * out + o];
      }
    return dy;  // dx is not needed: this is the only layer
  }
  std::vector<ParameterRef<float>> parameters() override {
    return {{"weight", &weight_, &dweight_}, {"bias", &bias_, &dbias_}};
  }

 private:
  Tensor<float> weight_, bias_, dweight_, dbias_, y_;
  const Tensor<float>* x_ = nullptr;
};

TrainOptions steady_options(const std::string& optimizer) {
  TrainOptions options;
  options.batch_size = 64;  // 10 batches per epoch: steps 5..35 cross epoch boundaries (reshuffles)
  options.steps = 40;
  options.optimizer = optimizer;
  options.schedule = "cosine:warmup=3";
  options.eval_every = 1000;  // only at the end
  options.log_every = 0;
  return options;
}

std::size_t allocations_in_steady_state(Model<float>& model, const Dataset& data, const TrainOptions& options) {
  NullSink sink;
  // The counts when step 5 and the last step up to 35 are reported (a run that diverges stops early).
  long at_start = 0, at_end = 0;
  train(model, data, options, sink, [&](std::size_t step, std::size_t) {
    if (step == 5) at_start = normlab::testing::allocation_count();
    if (step >= 5 && step <= 35) at_end = normlab::testing::allocation_count();
  });
  REQUIRE(at_end >= at_start);
  return std::size_t(at_end - at_start);
}

std::size_t allocations_with(const std::string& model_spec, const std::string& norm, const std::string& optimizer) {
  const Dataset data = make_dataset("tabular:train=640,test=100", 0);
  ModelOptions model_options;
  model_options.model = model_spec;
  model_options.norm = norm;
  Rng rng = Rng::stream(0, "init");
  Model<float> model = build_model<float>(model_options, data.sample_shape, data.num_classes, rng);
  return allocations_in_steady_state(model, data, steady_options(optimizer));
}

}  // namespace

TEST_CASE("the trainer's own steady-state steps allocate nothing") {
  // Batching, loss, optimizer and schedule, around a model that allocates nothing itself.
  const Dataset data = make_dataset("tabular:train=640,test=100,standardize=true", 0);
  for (const std::string optimizer : {"sgd:momentum=0.9,nesterov=true,weight_decay=1e-4", "adam", "adamw"}) {
    INFO(optimizer);
    Model<float> model;
    model.add(std::make_unique<AffineLayer>(32, 4));
    model.sample_shape = data.sample_shape;
    model.num_classes = data.num_classes;
    CHECK(allocations_in_steady_state(model, data, steady_options(optimizer)) == 0);
  }
}

TEST_CASE("a steady-state step of an MLP allocates nothing") {
  CHECK(allocations_with("mlp:widths=32x32", "none", "sgd:momentum=0.9") == 0);
}

// The normalizers check and size tensors through their own shape() (no Shape vectors, messages
// built only on failure), so a whole step with any of them allocates nothing.
TEST_CASE("a steady-state step of an MLP with each normalizer allocates nothing", "[train]") {
  for (const std::string norm : {"batch", "layer", "group:num_groups=4", "weight"}) {
    INFO(norm);
    CHECK(allocations_with("mlp:widths=32x32", norm, "sgd:momentum=0.9") == 0);
  }
}

// The sequence models on token windows (per-token labels): a Transformer in both placements and
// an LSTM with per-time-step normalizers.
TEST_CASE("a steady-state step of a transformer or an lstm allocates nothing", "[train]") {
  const Dataset data = make_dataset("markov:context=8,train=640,test=10", 0);
  for (const auto& [spec, norm, placement] :
       std::vector<std::array<std::string, 3>>{{"transformer:layers=2,width=16,heads=2", "layer", "pre"},
                                               {"transformer:layers=2,width=16,heads=2", "batch", "post"},
                                               {"lstm:layers=2,hidden=16,embed=8", "none", "pre"},
                                               {"lstm:layers=1,hidden=16,embed=8", "batch", "pre"},
                                               {"lstm:layers=1,hidden=16,embed=8", "layer", "pre"}}) {
    INFO(spec << " " << norm << " " << placement);
    ModelOptions model_options;
    model_options.model = spec;
    model_options.norm = norm;
    model_options.placement = placement;
    Rng rng = Rng::stream(0, "init");
    Model<float> model = build_model<float>(model_options, data.sample_shape, data.num_classes, rng);
    TrainOptions options = steady_options("adamw");
    options.clip_grad_norm = 1.0;
    CHECK(allocations_in_steady_state(model, data, options) == 0);
  }
}
