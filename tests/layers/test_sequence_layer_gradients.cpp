// Finite-difference checks (double; gradcheck.hpp) of the sequence models' layers: token and
// position embeddings, GELU, causal multi-head self-attention, the tied output layer and the
// Transformer block in both placements with each per-token normalizer; and the causal mask:
// position t's output must not change when any input after t changes.
#include <cmath>
#include <limits>
#include <memory>

#include "experiments/layers/causal_attention.hpp"
#include "experiments/layers/gelu.hpp"
#include "experiments/layers/norm_layer.hpp"
#include "experiments/layers/tied_head.hpp"
#include "experiments/layers/token_embedding.hpp"
#include "experiments/layers/transformer_block.hpp"
#include "layers/gradcheck.hpp"
#include "norms/registry.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

Tensor<double> token_ids(std::size_t n, std::size_t t, std::size_t vocab, Rng& rng) {
  Tensor<double> x = Tensor<double>::from_shape({n, t});
  for (std::size_t i = 0; i < x.size(); ++i)
    x.data()[i] = double(rng.below(vocab));
  return x;
}

std::unique_ptr<Layer<double>> norm_layer(const std::string& spec, std::size_t width, Rng& rng) {
  if (spec == "none") return nullptr;
  auto layer = std::make_unique<NormLayer<double>>(make_normalizer<double>(spec, {2, width}), Shape{width});
  randomize_parameters(*layer, rng);
  for (auto& p : layer->parameters())  // gains near 1, so that the block is at a generic point
    for (std::size_t i = 0; i < p.value->size(); ++i)
      p.value->data()[i] = 0.3 * p.value->data()[i] + (p.name == "weight" ? 1 : 0);
  return layer;
}

std::unique_ptr<TransformerBlock<double>> block(bool pre, const std::string& norm, std::size_t context,
                                                std::size_t width, std::size_t heads, Rng& rng) {
  TransformerBlock<double>::Parts parts;
  parts.ln_1 = norm_layer(norm, width, rng);
  parts.ln_2 = norm_layer(norm, width, rng);
  parts.attn = std::make_unique<CausalSelfAttention<double>>(context, width, heads, true);
  parts.c_fc = std::make_unique<Linear<double>>(width, 2 * width, true);
  parts.c_proj = std::make_unique<Linear<double>>(2 * width, width, true);
  for (Layer<double>* l :
       std::initializer_list<Layer<double>*>{parts.attn.get(), parts.c_fc.get(), parts.c_proj.get()})
    randomize_parameters(*l, rng);
  return std::make_unique<TransformerBlock<double>>(pre, std::move(parts));
}

}  // namespace

TEST_CASE("token and position embedding gradients accumulate per id and position") {
  Rng rng(1);
  TokenEmbedding<double> embedding(5, 3, 4);
  randomize_parameters(embedding, rng);
  const Tensor<double> x = token_ids(4, 3, 5, rng);
  const Tensor<double> r = random_tensor({12, 4}, rng);
  auto loss = [&] { return dot(embedding.forward(x, Mode::train), r); };
  loss();
  for (auto& p : embedding.parameters())
    p.grad->fill(0.5);
  embedding.backward(r);
  for (auto& p : embedding.parameters()) {
    const Tensor<double> analytic = *p.grad - 0.5;
    compare_with_finite_differences("d" + p.name, *p.value, analytic, loss, 1e-6);
  }
}

TEST_CASE("embedding refuses ids outside the vocabulary and windows of another length") {
  TokenEmbedding<double> embedding(5, 3, 4);
  Tensor<double> x = Tensor<double>::from_shape({1, 3});
  x.fill(0);
  x.data()[1] = 5;
  CHECK_THROWS_WITH(embedding.forward(x, Mode::train), Catch::Contains("outside [0, 5)"));
  x.data()[1] = 1.5;
  CHECK_THROWS_AS(embedding.forward(x, Mode::train), InputError);
  CHECK_THROWS_WITH(embedding.output_shape({2, 4}), Catch::Contains("(N, 3)"));
}

TEST_CASE("GELU gradient and values match the erf form") {
  Gelu<double> gelu;
  Rng rng(2);
  Tensor<double> x = random_tensor({6, 5}, rng, 2.0);
  check_layer_gradients(gelu, x);
  const Tensor<double>& y = gelu.forward(x, Mode::train);
  for (std::size_t i = 0; i < x.size(); ++i)
    CHECK(y.data()[i] == Approx(x.data()[i] * 0.5 * std::erfc(-x.data()[i] / std::sqrt(2.0))).epsilon(1e-14));
}

TEST_CASE("float GELU (SIMD erfc and exp) agrees with the double one to a few ulp, tail included") {
  // 1,003 points over [-12, 12]: both tails of Φ, zero, and a length that is no multiple of a
  // SIMD register, so the padded tail is exercised. Tolerance: 8 float ulp relative (plus the
  // tail's conditioning below), or 1e-30 absolute where y underflows.
  const std::size_t n = 1003;
  Tensor<float> x = Tensor<float>::from_shape({n}), dy = Tensor<float>::from_shape({n});
  Tensor<double> xd = Tensor<double>::from_shape({n}), dyd = Tensor<double>::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) {
    x.data()[i] = float(-12.0 + 24.0 * double(i) / double(n - 1));
    dy.data()[i] = float(1.0 + 0.001 * double(i));
    xd.data()[i] = x.data()[i];
    dyd.data()[i] = dy.data()[i];
  }
  Gelu<float> gelu;
  Gelu<double> reference;
  const Tensor<float>& y = gelu.forward(x, Mode::train);
  const Tensor<double>& yd = reference.forward(xd, Mode::train);
  const Tensor<float>& dx = gelu.backward(dy);
  const Tensor<double>& dxd = reference.backward(dyd);
  const double eps = std::numeric_limits<float>::epsilon();
  for (std::size_t i = 0; i < n; ++i) {
    const double xi = x.data()[i];
    // Rounding x/√2 to float costs x² ulp in the lower tail, where Φ's relative condition number
    // is about x² (Φ(x) ~ φ(x)/|x|): float cannot do better there, whatever the erfc.
    const double ulps = (8 + (xi < 0 ? xi * xi : 0)) * eps;
    INFO("x = " << xi);
    CHECK(std::abs(y.data()[i] - yd.data()[i]) <= ulps * std::abs(yd.data()[i]) + 1e-30);
    // dx = dy·(Φ(x) + x·φ(x)) cancels near GELU's minimum (x ≈ -0.75): relative to the terms.
    const double terms =
        dyd.data()[i] * (0.5 * std::erfc(-xi * M_SQRT1_2) +
                         std::abs(xi) * std::exp(-0.5 * xi * xi) * 0.5 * M_2_SQRTPI * M_SQRT1_2);
    CHECK(std::abs(dx.data()[i] - dxd.data()[i]) <= ulps * terms + 1e-30);
  }
}

TEST_CASE("causal self-attention gradients for several shapes") {
  for (auto [n, t, c, h] : {std::array<std::size_t, 4>{2, 4, 6, 2}, {1, 5, 4, 1}, {3, 3, 8, 4}}) {
    INFO("N=" << n << " T=" << t << " C=" << c << " H=" << h);
    Rng rng(3 + n);
    CausalSelfAttention<double> attn(t, c, h, true);
    randomize_parameters(attn, rng);
    check_layer_gradients(attn, random_tensor({n * t, c}, rng));
  }
}

TEST_CASE("causal self-attention: position t does not depend on inputs after t") {
  const std::size_t n = 2, t = 5, c = 6;
  Rng rng(4);
  CausalSelfAttention<double> attn(t, c, 3, true);
  randomize_parameters(attn, rng);
  Tensor<double> x = random_tensor({n * t, c}, rng);
  const Tensor<double> before = attn.forward(x, Mode::train);
  for (std::size_t changed = 0; changed < t; ++changed) {
    Tensor<double> moved = x;
    for (std::size_t k = 0; k < c; ++k)
      moved.data()[(1 * t + changed) * c + k] += 3.0;  // sequence 1, position `changed`
    const Tensor<double>& after = attn.forward(moved, Mode::train);
    for (std::size_t s = 0; s < n; ++s)
      for (std::size_t p = 0; p < t; ++p) {
        bool same = true;
        for (std::size_t k = 0; k < c; ++k)
          same = same && after.data()[(s * t + p) * c + k] == before.data()[(s * t + p) * c + k];
        INFO("changed position " << changed << ", sequence " << s << ", position " << p);
        CHECK(same == (s == 0 || p < changed));  // earlier positions exactly unchanged, later ones changed
      }
  }
  CHECK_THROWS_WITH(attn.forward(random_tensor({7, c}, rng), Mode::train),
                    Catch::Contains("whole sequences"));
}

TEST_CASE("tied output layer accumulates into the embedding's gradient") {
  Rng rng(5);
  TokenEmbedding<double> embedding(7, 2, 4);
  randomize_parameters(embedding, rng);
  TiedHead<double> head(embedding);
  check_layer_gradients(head, random_tensor({6, 4}, rng));  // dx
  Tensor<double> x = random_tensor({6, 4}, rng);
  const Tensor<double> r = random_tensor({6, 7}, rng);
  auto loss = [&] { return dot(head.forward(x, Mode::train), r); };
  loss();
  embedding.token_grad().fill(0.5);
  head.backward(r);
  const Tensor<double> analytic = embedding.token_grad() - 0.5;
  compare_with_finite_differences("d token.weight through the head", embedding.token_weight(), analytic, loss,
                                  1e-6);
}

TEST_CASE("Transformer block gradients in both placements with every per-token normalizer") {
  for (bool pre : {true, false})
    for (const char* norm : {"layer", "rms", "batch", "none"}) {
      INFO((pre ? "pre" : "post") << " norm=" << norm);
      Rng rng(6);
      auto b = block(pre, norm, 3, 4, 2, rng);
      check_layer_gradients(*b, random_tensor({6, 4}, rng));
    }
}
