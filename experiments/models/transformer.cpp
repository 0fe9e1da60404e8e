// transformer:layers=4,width=128,heads=4,mlp_ratio=4,dropout=0,tie_weights=true
//   a decoder-only causal Transformer on token windows (N, T) (the data's context T and vocabulary V):
//   Embedding(V, C) + positions(T, C) [-> Dropout] -> layers × Block -> (pre: final norm) -> Linear(C, V)
// placement pre (Pre-LN) or post (Post-LN, no final norm, as Vaswani et al. and Xiong et al.);
// see layers/transformer_block.hpp. The normalizer works on (N·T, C): layer and rms per token,
// batch per channel over the batch AND the time positions, so that in training mode a
// position's statistics include later positions of its own sequence (the causal mask does not
// cover them) and of the other sequences; evaluation mode uses the running statistics.
// Initialization as GPT-2/nanoGPT: weights normal(0, 0.02), residual projections (attn.c_proj,
// mlp.c_proj) normal(0, 0.02/√(2·layers)), biases 0; the `init` key does not apply.
#include <cmath>
#include <memory>

#include "experiments/layers/tied_head.hpp"
#include "experiments/layers/transformer_block.hpp"
#include "experiments/models/model_kinds.hpp"
#include "experiments/models/sequence_norms.hpp"
#include "norms/core/errors.hpp"
#include "norms/registry.hpp"

namespace normlab {

namespace {

template <class T>
void fill_normal(Tensor<T>& t, double std, Rng& rng) {
  for (std::size_t i = 0; i < t.size(); ++i)
    t.data()[i] = T(rng.normal(0, std));
}

template <class T>
std::unique_ptr<Linear<T>> make_linear(std::size_t in, std::size_t out, bool bias, double std, Rng& rng) {
  auto linear = std::make_unique<Linear<T>>(in, out, bias);
  fill_normal(linear->weight().direction(), std, rng);
  return linear;
}

struct TransformerShape {
  std::size_t layers, width, heads, mlp_width, context;
  double dropout;
  bool tie_weights;
};

TransformerShape transformer_shape(const Spec& spec, const Shape& sample_shape) {
  TransformerShape s{};
  const long layers = spec.get_int("layers"), width = spec.get_int("width"), heads = spec.get_int("heads");
  const long mlp_ratio = spec.get_int("mlp_ratio");
  if (layers < 1 || layers > 1024) spec.fail("layers", "expected an integer in [1, 1024]");
  if (width < 1 || width > 65536) spec.fail("width", "expected an integer in [1, 65536]");
  if (heads < 1 || width % heads != 0)
    spec.fail("heads", "expected a divisor of width " + std::to_string(width));
  if (mlp_ratio < 1 || mlp_ratio > 64) spec.fail("mlp_ratio", "expected an integer in [1, 64]");
  s.dropout = spec.get_double("dropout");
  if (!(s.dropout >= 0 && s.dropout < 1)) spec.fail("dropout", "must be in [0, 1)");
  s.tie_weights = spec.get_bool("tie_weights");
  s.layers = std::size_t(layers);
  s.width = std::size_t(width);
  s.heads = std::size_t(heads);
  s.mlp_width = std::size_t(mlp_ratio * width);
  if (sample_shape.size() != 1)
    throw InputError("model '" + spec.text() +
                     "' takes windows of token ids (samples of shape (T)), e.g. data "
                     "text:path=FILE,context=64 or markov; got samples of shape " +
                     shape_string(sample_shape));
  s.context = sample_shape[0];
  return s;
}

template <class T>
void build_transformer(ModelBuilder<T>& builder, const Spec& spec, std::size_t vocab) {
  check_sequence_norm(spec.text(), builder.options());
  const TransformerShape s = transformer_shape(spec, builder.shape());
  if (builder.placement() == Placement::none && builder.options().norm != "none")
    throw InputError("model '" + spec.text() +
                     "': placement none; a Transformer takes placement pre or post");
  const bool pre = builder.placement() != Placement::post;
  const bool bias = builder.keeps_bias(nullptr);
  Rng rng(builder.next_seed());
  const double std = 0.02, residual_std = 0.02 / std::sqrt(2.0 * double(s.layers));

  auto embedding = std::make_unique<TokenEmbedding<T>>(vocab, s.context, s.width);
  fill_normal(embedding->token_weight(), std, rng);
  fill_normal(embedding->position_weight(), std, rng);
  TokenEmbedding<T>& wte = *embedding;
  builder.add(std::move(embedding));
  if (s.dropout > 0) builder.add(std::make_unique<Dropout<T>>(s.dropout, builder.next_seed()));
  const Shape token{s.width};
  for (std::size_t l = 0; l < s.layers; ++l) {
    const std::string where = "block " + std::to_string(l);
    typename TransformerBlock<T>::Parts parts;
    parts.ln_1 = builder.make_norm(token, where + " ln_1");
    parts.attn = std::make_unique<CausalSelfAttention<T>>(s.context, s.width, s.heads, bias);
    fill_normal(parts.attn->c_attn().weight().direction(), std, rng);
    fill_normal(parts.attn->c_proj().weight().direction(), residual_std, rng);
    parts.ln_2 = builder.make_norm(token, where + " ln_2");
    parts.c_fc = make_linear<T>(s.width, s.mlp_width, bias, std, rng);
    parts.c_proj = make_linear<T>(s.mlp_width, s.width, bias, residual_std, rng);
    if (s.dropout > 0) {
      parts.drop_1 = std::make_unique<Dropout<T>>(s.dropout, builder.next_seed());
      parts.drop_2 = std::make_unique<Dropout<T>>(s.dropout, builder.next_seed());
    }
    builder.add(std::make_unique<TransformerBlock<T>>(pre, std::move(parts)));
  }
  if (pre)
    if (auto ln_f = builder.make_norm(token, "the final norm")) builder.add(std::move(ln_f));
  if (s.tie_weights)
    builder.add(std::make_unique<TiedHead<T>>(wte));
  else
    builder.add(make_linear<T>(s.width, vocab, false, std, rng));
}

double transformer_parameter_bound(const Spec& spec, const Shape& sample_shape, std::size_t vocab) {
  const TransformerShape s = transformer_shape(spec, sample_shape);
  const double C = double(s.width), H = double(s.mlp_width);
  const double block = (3 * C * C + 3 * C) + (C * C + C) + (C * H + H) + (H * C + C) + 8 * C;
  return double(vocab) * C * (s.tie_weights ? 1 : 2) + double(s.context) * C + double(s.layers) * block +
         4 * C;
}

}  // namespace

ModelInfo transformer_info() {
  return kind_entry<ModelInfo>(
      "transformer",
      "decoder-only causal Transformer on token windows (text, markov): embeddings, blocks of causal "
      "self-attention and GELU MLP with norm placement pre (Pre-LN) or post (Post-LN), linear head",
      {{"layers", "4", "number of blocks"},
       {"width", "128", "embedding width C"},
       {"heads", "4", "attention heads (a divisor of width)"},
       {"mlp_ratio", "4", "MLP hidden width / width"},
       {"dropout", "0", "residual and embedding dropout probability"},
       {"tie_weights", "true", "the output layer's weight is the token embedding's"}},
      {build_transformer<float>, build_transformer<double>}, {{}, "", "", transformer_parameter_bound});
}

}  // namespace normlab
