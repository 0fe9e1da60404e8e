// Forward, backward and forward+backward of every registered normalizer, in float and double, on
// the shapes of issue 6. Run `normlab_bench --benchmark_filter=norm/` for these alone.
//
// Names: norm/<kind>/<dtype>/<pass>/N:../C:..[/H:../W:..], e.g. norm/group/f32/fwdbwd/N:64/C:64/H:32/W:32.
// Settings match what scripts/compare_pytorch.py times in PyTorch:
//   batch:    BatchNorm2d/1d(C) in training mode (batch statistics, running-buffer update)
//   layer:    LayerNorm(x.shape[1:]) with elementwise affine
//   instance: InstanceNorm2d(C) (no affine, no running stats; PyTorch's defaults); 4-D shapes only,
//             since instance normalization needs a spatial dim
//   group:    GroupNorm(32, C)
//   weight:   weight normalization of a weight tensor v with the same shape and size as the input
//             (dim 0 = output rows, e.g. 64 rows of 64·32·32 for (64,64,32,32)); w = g·v/‖v‖
//   none:     the identity: forward copies x to y, backward copies dy to dx; the floor that every
//             normalizer pays for reading x and writing y
//
// Bytes model (SetBytesProcessed): the tensor traffic an ideal kernel cannot avoid, not the passes
// ours make. forward = read x + write y (2 tensors); backward = read x, dy + write dx (3);
// forward+backward = 5 (the identity: 2, 2, 4). Our forward actually reads x twice in float (one-pass statistics,
// then the affine step) and three times in double (two-pass statistics), and backward reads x and dy twice, and
// writes with ordinary stores (a write-allocate read per output line); the repeated reads of a statistic group come
// from cache when the group fits in it. So bytes_per_second / measured bandwidth is the share of
// the machine's bandwidth reached on the useful traffic.
//
// Threads: the kernels use OpenMP (norms/core/parallel.hpp); set OMP_NUM_THREADS.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "experiments/util/rng.hpp"
#include "norms/registry.hpp"

namespace normlab {
namespace {

const std::vector<Shape>& bench_shapes() {
  static const std::vector<Shape> shapes = {{64, 64, 32, 32}, {256, 256, 14, 14}, {32, 128, 56, 56}, {128, 1024}};
  return shapes;
}

enum class Pass { forward, backward, fwdbwd };

const char* pass_name(Pass p) {
  switch (p) {
    case Pass::forward: return "forward";
    case Pass::backward: return "backward";
    case Pass::fwdbwd: return "fwdbwd";
  }
  return "?";
}

// Tensors read and written per iteration (the bytes model above). The identity's backward does
// not read x.
std::int64_t tensors_moved(const NormalizerInfo& info, Pass p) {
  const std::int64_t backward = info.traits.role == NormRole::identity ? 2 : 3;
  return p == Pass::forward ? 2 : p == Pass::backward ? backward : 2 + backward;
}

template <class T>
void fill_normal(Tensor<T>& t, Rng& rng, double mean, double stddev) {
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = T(rng.normal(mean, stddev));
}

template <class T>
void run_normalizer(benchmark::State& state, const NormalizerInfo& info, const Shape& shape, Pass pass) {
  // Buffers and the normalizer are built once, outside the timed loop; every kind with its
  // default keys (group norm: 32 groups).
  auto norm = make_normalizer<T>(info.kind, shape);
  Rng rng = Rng::stream(0, "bench:" + info.kind);
  Tensor<T> x = Tensor<T>::from_shape(shape);   // input (or v for weight norm)
  Tensor<T> dy = Tensor<T>::from_shape(shape);  // upstream gradient
  Tensor<T> y, dx;
  fill_normal(x, rng, 0.5, 2.0);
  fill_normal(dy, rng, 0.0, 1.0);
  norm->forward(x, y, Mode::train);  // sizes y and caches statistics for the backward-only case
  norm->backward(x, dy, dx);          // sizes dx
  for (auto _ : state) {
    if (pass != Pass::backward) {
      norm->forward(x, y, Mode::train);
      benchmark::DoNotOptimize(y.data());
    }
    if (pass != Pass::forward) {
      norm->backward(x, dy, dx);
      benchmark::DoNotOptimize(dx.data());
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * tensors_moved(info, pass) * std::int64_t(x.size() * sizeof(T)));
  state.counters["elements"] = double(x.size());
}

void register_normalizer_benchmarks() {
  for (const NormalizerInfo& info : normalizer_registry())
    for (const char* dtype : {"f32", "f64"})
      for (Pass pass : {Pass::forward, Pass::backward, Pass::fwdbwd})
        for (const Shape& shape : bench_shapes()) {
          if (shape.size() < info.traits.min_rank) continue;
          const std::string name = "norm/" + info.kind + "/" + dtype + "/" + pass_name(pass);
          const bool is_float = std::string(dtype) == "f32";
          auto* b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
            if (is_float)
              run_normalizer<float>(state, info, shape, pass);
            else
              run_normalizer<double>(state, info, shape, pass);
          });
          std::vector<std::int64_t> args(shape.begin(), shape.end());
          b->Args(args);
          b->ArgNames(shape.size() == 4 ? std::vector<std::string>{"N", "C", "H", "W"}
                                        : std::vector<std::string>{"N", "C"});
          b->Unit(benchmark::kMicrosecond)->UseRealTime();
        }
}

// Registration at static-initialization time, before benchmark_main parses the command line.
[[maybe_unused]] const bool registered = (register_normalizer_benchmarks(), true);

}  // namespace
}  // namespace normlab
