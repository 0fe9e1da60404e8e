// The GEMM floor of a training step: only the matrix products of one step, through the same
// gemm() the layers call, on the same shapes, so that a step's time can be read against the
// time its matrix-multiply FLOPs take on this machine (issue 16's MLP target: the whole step
// within 1.3× of this floor).
//
//   gemm/mlp_ioffe/f32   the GEMMs of step/mlp_ioffe/f32 (784-100-100-100-10 at batch 60): per
//                        Linear, the forward y = x·Wᵀ, the weight gradient dW = dyᵀ·x and, after
//                        the first layer (whose input needs no gradient), dx = dy·W.
// Counter GFLOP_per_s: the step's 2·M·N·K FLOPs over the measured time.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <vector>

#include "experiments/layers/gemm.hpp"
#include "experiments/util/rng.hpp"

namespace normlab {
namespace {

// step/mlp_ioffe's network (training_step_bench.cpp: mlp:widths=100x100x100 on 784 inputs, 10
// classes) and batch.
constexpr std::array<std::size_t, 5> kMlpWidths{784, 100, 100, 100, 10};
constexpr std::size_t kMlpBatch = 60;

struct LinearBuffers {
  std::size_t in, out;
  std::vector<float> x, w, y, dy, dw, dx;  // (N, in), (out, in), (N, out), (N, out), (out, in), (N, in)
};

void gemm_floor_mlp(benchmark::State& state) {
  const std::size_t N = kMlpBatch;
  Rng rng = Rng::stream(0, "bench:gemm");
  std::vector<LinearBuffers> layers;
  for (std::size_t l = 0; l + 1 < kMlpWidths.size(); ++l) {
    const std::size_t in = kMlpWidths[l], out = kMlpWidths[l + 1];
    LinearBuffers b{in,
                    out,
                    std::vector<float>(N * in),
                    std::vector<float>(out * in),
                    std::vector<float>(N * out),
                    std::vector<float>(N * out),
                    std::vector<float>(out * in),
                    std::vector<float>(N * in)};
    for (auto* v : {&b.x, &b.w, &b.dy})
      for (float& e : *v)
        e = float(rng.normal());
    layers.push_back(std::move(b));
  }
  double flops = 0;
  for (std::size_t l = 0; l < layers.size(); ++l)
    flops += 2.0 * double(N * layers[l].in * layers[l].out) * (l == 0 ? 2 : 3);
  const auto step = [&] {
    for (LinearBuffers& b : layers)  // forward: y (N, out) = x (N, in) · Wᵀ (in, out)
      gemm(Transpose::no, Transpose::yes, N, b.out, b.in, 1.0f, b.x.data(), b.in, b.w.data(), b.in, 0.0f,
           b.y.data(), b.out);
    for (std::size_t l = layers.size(); l-- > 0;) {
      LinearBuffers& b = layers[l];
      // dW (out, in) = dyᵀ (out, N) · x (N, in)
      gemm(Transpose::yes, Transpose::no, b.out, b.in, N, 1.0f, b.dy.data(), b.out, b.x.data(), b.in, 0.0f,
           b.dw.data(), b.in);
      // dx (N, in) = dy (N, out) · W (out, in)
      if (l > 0)
        gemm(Transpose::no, Transpose::no, N, b.in, b.out, 1.0f, b.dy.data(), b.out, b.w.data(), b.in, 0.0f,
             b.dx.data(), b.in);
    }
    benchmark::ClobberMemory();
  };
  step();  // untimed, as the step benchmarks: first touch of every buffer
  for (auto _ : state)
    step();
  state.counters["GFLOP_per_s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

[[maybe_unused]] const bool registered = (benchmark::RegisterBenchmark("gemm/mlp_ioffe/f32", gemm_floor_mlp)
                                              ->Unit(benchmark::kMicrosecond)
                                              ->UseRealTime(),
                                          true);

}  // namespace
}  // namespace normlab
