// One full training step (training-mode forward, cross-entropy and its gradient, zero_grad,
// backward, SGD update), the loop body of normlab::train without the data loading.
//
//   step/mlp_ioffe/f32      the Ioffe & Szegedy (2015) MNIST network: 784-100-100-100-10, sigmoid,
//                           batch norm before each sigmoid (placement pre, bias=auto), batch 60,
//                           plain SGD (lr 0.1)
//   step/vgg/<norm>/f32     vgg:widths=16x32x64,act=relu (conv3x3 -> norm -> ReLU -> 2x2 max pool
//                           per width; global average pool; Linear) on 3x32x32 at batch 32, SGD.
//                           group uses num_groups=8 (32 does not divide 16 channels); weight norm
//                           reparameterizes the hidden conv weights; none is the plain CNN.
//   step/resnet20/<norm>/f32  resnet:depth=20,width=16 (He et al. 2016's CIFAR ResNet-20: a stem
//                           conv, 3 stages of 3 basic blocks, 16/32/64 channels) on 3x32x32 at
//                           batch 32, SGD at lr 0.01; the same normalizer specs as step/vgg.
// scripts/compare_pytorch.py builds the same networks in PyTorch. Inputs are standard normal,
// labels uniform over the 10 classes, both fixed before the timed loop.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "norms/registry.hpp"
#include "experiments/losses/loss.hpp"
#include "experiments/models/model.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/util/rng.hpp"

namespace normlab {
namespace {

void run_training_step(benchmark::State& state, const ModelOptions& options, const Shape& sample_shape,
                       std::size_t batch, double lr = 0.1) {
  Rng init_rng = Rng::stream(0, "bench:init");
  Model<float> model = build_model<float>(options, sample_shape, 10, init_rng);
  auto optimizer = make_optimizer<float>("sgd", model.parameters());
  Shape input_shape{batch};
  input_shape.insert(input_shape.end(), sample_shape.begin(), sample_shape.end());
  Tensor<float> x = Tensor<float>::from_shape(input_shape);  // (batch, *sample_shape)
  Rng data_rng = Rng::stream(0, "bench:data");
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(data_rng.normal());
  std::vector<std::int32_t> labels(batch);
  for (auto& label : labels) label = std::int32_t(data_rng.below(10));
  Tensor<float> dlogits;  // (batch, 10)
  const auto step = [&] {
    const Tensor<float>& logits = model.forward(x, Mode::train);
    const double loss = cross_entropy_loss(logits, labels, &dlogits);
    benchmark::DoNotOptimize(loss);
    model.zero_grad();
    model.backward(dlogits);
    optimizer->step(lr);
    benchmark::ClobberMemory();
  };
  // Two untimed steps, as compare_pytorch.py's PyTorch side takes: the first step allocates and
  // faults in every buffer of the model (several times a steady step), and Google Benchmark calls
  // this function afresh for each of its runs, so a step longer than --benchmark_min_time would
  // otherwise be reported from that first step alone (its warm-up runs a different model).
  step();
  step();
  for (auto _ : state) step();
  state.counters["samples_per_second"] = benchmark::Counter(double(state.iterations() * batch),
                                                            benchmark::Counter::kIsRate);
}

void register_training_step_benchmarks() {
  ModelOptions mlp;
  mlp.model = "mlp:widths=100x100x100,act=sigmoid";
  mlp.norm = "batch";
  benchmark::RegisterBenchmark("step/mlp_ioffe/f32", [=](benchmark::State& state) {
    run_training_step(state, mlp, {784}, 60);
  })->Unit(benchmark::kMicrosecond)->UseRealTime();
  // Every normalizer with its typical example spec (group norm: 4 groups, which divide the widths).
  // The CNNs by their cell names (scripts/compare_pytorch.py's CNN_MODELS holds the same pairs).
  // ResNet-20 at lr 0.01: at 0.1 its unnormalized variants (none, weight norm) diverge on these
  // random labels within a few dozen steps, and a step on NaNs times nothing a user runs.
  const struct {
    const char* name;
    const char* model_spec;
    double lr;
  } cnns[] = {{"vgg", "vgg:widths=16x32x64,act=relu", 0.1}, {"resnet20", "resnet:depth=20,width=16", 0.01}};
  for (const auto& [name, model_spec, lr] : cnns)
    for (const NormalizerInfo& info : normalizer_registry()) {
      ModelOptions cnn;
      cnn.model = model_spec;
      cnn.norm = info.traits.examples.front();
      benchmark::RegisterBenchmark(("step/" + std::string(name) + "/" + info.kind + "/f32").c_str(),
                                   [=](benchmark::State& state) { run_training_step(state, cnn, {3, 32, 32}, 32, lr); })
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
}

// Registration at static-initialization time, before benchmark_main parses the command line.
[[maybe_unused]] const bool registered = (register_training_step_benchmarks(), true);

}  // namespace
}  // namespace normlab
