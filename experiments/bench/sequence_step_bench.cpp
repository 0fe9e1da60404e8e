// One full training step of the sequence models on token windows (training-mode forward, per-token
// cross-entropy and its gradient, zero_grad, backward, AdamW update), the loop body of
// normlab::train without the data loading, after one untimed warm-up step:
//   step/transformer_nanogpt/<norm>/f32  nanoGPT's CPU Transformer (4 layers, 4 heads, width 128,
//                                        context 64, vocabulary 65, batch 12), Pre-LN
//   step/lstm/<norm>/f32                 lstm:layers=1,hidden=128,embed=64, context 64, batch 32
// Token ids uniform over the vocabulary, labels the ids shifted by one, fixed before the loop.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/losses/loss.hpp"
#include "experiments/models/model.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/util/rng.hpp"

namespace normlab {
namespace {

constexpr std::size_t kVocab = 65, kContext = 64;

void run_sequence_step(benchmark::State& state, const ModelOptions& options, std::size_t batch) {
  Rng init_rng = Rng::stream(0, "bench:init");
  Model<float> model = build_model<float>(options, {kContext}, kVocab, init_rng);
  auto optimizer = make_optimizer<float>("adamw", model.parameters());
  Tensor<float> x = Tensor<float>::from_shape({batch, kContext});  // token ids
  std::vector<std::int32_t> labels(batch * kContext);
  Rng data_rng = Rng::stream(0, "bench:data");
  for (std::size_t i = 0; i < x.size(); ++i)
    x.data()[i] = float(data_rng.below(kVocab));
  for (std::size_t i = 0; i < labels.size(); ++i)
    labels[i] = std::int32_t(i + 1 < labels.size() ? x.data()[i + 1] : x.data()[0]);
  Tensor<float> dlogits;  // (batch·T, V)
  const auto step = [&] {
    const Tensor<float>& logits = model.forward(x, Mode::train);
    const double loss = cross_entropy_loss(logits, labels, &dlogits);
    benchmark::DoNotOptimize(loss);
    model.zero_grad();
    model.backward(dlogits);
    optimizer->step(1e-3);
    benchmark::ClobberMemory();
  };
  // One untimed step first: the first forward and backward allocate and first-touch every
  // activation and optimizer buffer (tens of MB of page faults), which the steady state never
  // does; PyTorch's side of compare_pytorch.py warms up the same way.
  step();
  for (auto _ : state)
    step();
  state.counters["tokens_per_second"] =
      benchmark::Counter(double(state.iterations() * batch * kContext), benchmark::Counter::kIsRate);
}

void register_sequence_step_benchmarks() {
  for (const char* norm : {"layer", "rms", "batch", "none"}) {
    ModelOptions transformer;
    transformer.model = "transformer:layers=4,width=128,heads=4";
    transformer.norm = norm;
    transformer.bias = "false";
    benchmark::RegisterBenchmark(("step/transformer_nanogpt/" + std::string(norm) + "/f32").c_str(),
                                 [=](benchmark::State& state) { run_sequence_step(state, transformer, 12); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    ModelOptions lstm;
    lstm.model = "lstm:layers=1,hidden=128,embed=64";
    lstm.norm = norm;
    benchmark::RegisterBenchmark(("step/lstm/" + std::string(norm) + "/f32").c_str(),
                                 [=](benchmark::State& state) { run_sequence_step(state, lstm, 32); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

// Registration at static-initialization time, before benchmark_main parses the command line.
[[maybe_unused]] const bool registered = (register_sequence_step_benchmarks(), true);

}  // namespace
}  // namespace normlab
