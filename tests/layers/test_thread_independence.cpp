// Layer results are byte-identical whatever the number of threads, OpenMP's or OpenBLAS's (the
// GEMM wrapper keeps OpenBLAS on one thread and splits its work by shape only; see
// experiments/layers/gemm.hpp).
#include <cblas.h>
#include <omp.h>

#include <cstring>

#include "experiments/layers/causal_attention.hpp"
#include "experiments/layers/conv2d.hpp"
#include "experiments/layers/lstm.hpp"
#include "experiments/layers/linear.hpp"
#include "experiments/layers/pooling.hpp"
#include "experiments/losses/loss.hpp"
#include "experiments/models/model.hpp"
#include "experiments/util/rng.hpp"
#include "layers/gradcheck.hpp"
#include "norms/core/parallel.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

template <class L>
std::vector<float> step_outputs(L& layer, const Tensor<float>& x, const Tensor<float>& dy) {
  std::vector<float> out;
  const Tensor<float>& y = layer.forward(x, Mode::train);
  out.insert(out.end(), y.begin(), y.end());
  for (auto& p : layer.parameters()) p.grad->fill(0);
  const Tensor<float>& dx = layer.backward(dy);
  out.insert(out.end(), dx.begin(), dx.end());
  for (auto& p : layer.parameters()) out.insert(out.end(), p.grad->begin(), p.grad->end());
  return out;
}

Tensor<float> random_float(const Shape& shape, Rng& rng) {
  Tensor<float> t = Tensor<float>::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = float(rng.normal());
  return t;
}

template <class L>
void check_same_bits_for_1_and_2_threads(L& layer, const Shape& x_shape, const Shape& y_shape) {
  Rng rng(1);
  for (auto& p : layer.parameters())
    for (std::size_t i = 0; i < p.value->size(); ++i) p.value->data()[i] = float(rng.normal(0.0, 0.1));
  const Tensor<float> x = random_float(x_shape, rng), dy = random_float(y_shape, rng);
  const AlwaysStartTeams teams;  // the 2-thread pass takes the threaded paths however loaded the machine is
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = step_outputs(layer, x, dy);
  omp_set_num_threads(2);
  openblas_set_num_threads(2);  // the wrapper must undo this: OpenBLAS's threading changes bits
  const auto two = step_outputs(layer, x, dy);
  omp_set_num_threads(saved);
  REQUIRE(one.size() == two.size());
  CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
}

}  // namespace

TEST_CASE("Linear and Conv2d give the same bits on 1 and 2 threads") {
  Linear<float> linear(1024, 600, true);  // 64·600·1024 multiply-adds: split into column blocks
  check_same_bits_for_1_and_2_threads(linear, {64, 1024}, {64, 600});
  Conv2d<float> conv({32, 64, 3, 1, 1}, true);  // (64, 288) · (288, 1024) per sample: split
  check_same_bits_for_1_and_2_threads(conv, {2, 32, 32, 32}, {2, 64, 32, 32});
}

TEST_CASE("Conv2d spread over the batch gives the same bits on 1 and 2 threads") {
  // 13 samples: dW is summed over 8 uneven sample groups, which the two threads split unevenly.
  Conv2d<float> strided({8, 16, 3, 2, 1}, true);
  check_same_bits_for_1_and_2_threads(strided, {13, 8, 15, 15}, {13, 16, 8, 8});
  Conv2d<float> weight_normed({3, 16, 3, 1, 1}, false, "weight");  // dW assigned, not added
  check_same_bits_for_1_and_2_threads(weight_normed, {32, 3, 32, 32}, {32, 16, 32, 32});
  Conv2d<float> pointwise({16, 8, 1, 1, 0}, true);  // col is x[n] itself, dx[n] written by the GEMM
  check_same_bits_for_1_and_2_threads(pointwise, {5, 16, 16, 16}, {5, 8, 16, 16});
}

TEST_CASE("MaxPool2d spread over planes gives the same bits on 1 and 2 threads") {
  MaxPool2d<float> pool(2, 2);
  check_same_bits_for_1_and_2_threads(pool, {8, 16, 32, 32}, {8, 16, 16, 16});
  MaxPool2d<float> overlapping(3, 2);
  check_same_bits_for_1_and_2_threads(overlapping, {8, 16, 33, 33}, {8, 16, 16, 16});
}

TEST_CASE("causal attention and the LSTM give the same bits on 1 and 2 threads") {
  CausalSelfAttention<float> attn(32, 64, 4, true);  // 8 sequences × 4 heads spread over the threads
  check_same_bits_for_1_and_2_threads(attn, {8 * 32, 64}, {8 * 32, 64});
  Lstm<float> lstm(32, 256, 8, "layer", 1.0);
  check_same_bits_for_1_and_2_threads(lstm, {16 * 8, 32}, {16 * 8, 256});
}

TEST_CASE("a ResNet training step gives the same bits on 1 and 2 threads") {
  // Every layer of the CNNs at once (convolutions with and without the identity tap, 1x1
  // projections, residual blocks' element-wise passes, batch norm), on shapes large enough for
  // each of them to split its work between the two threads.
  ModelOptions options;
  options.model = "resnet:depth=8,width=16";
  options.norm = "batch";
  Rng data_rng(3);
  const Tensor<float> x = random_float({8, 3, 16, 16}, data_rng);
  std::vector<std::int32_t> labels(8);
  for (auto& label : labels) label = std::int32_t(data_rng.below(10));
  const auto step = [&](int threads) {
    omp_set_num_threads(threads);
    Rng init_rng(5);
    Model<float> model = build_model<float>(options, {3, 16, 16}, 10, init_rng);
    Tensor<float> dlogits;
    const Tensor<float>& logits = model.forward(x, Mode::train);
    std::vector<float> out(logits.begin(), logits.end());
    cross_entropy_loss(logits, labels, &dlogits);
    model.zero_grad();
    model.backward(dlogits);
    for (auto& p : model.parameters()) out.insert(out.end(), p.grad->begin(), p.grad->end());
    return out;
  };
  const int saved = omp_get_max_threads();
  const auto one = step(1), two = step(2);
  omp_set_num_threads(saved);
  REQUIRE(one.size() == two.size());
  CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
}
