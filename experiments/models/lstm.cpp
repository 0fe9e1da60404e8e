// lstm:layers=1,hidden=128,embed=64
//   a character-level LSTM language model on token windows (N, T) (the data's context T and vocabulary V):
//   Embedding(V, embed) -> layers × LSTM(hidden) -> Linear(hidden, V)
// `norm` goes to every LSTM layer's sites of Ba et al. (2016): the input-to-hidden and
// hidden-to-hidden pre-activations separately and the cell state before its tanh
// (layers/lstm.hpp); a normalizer with batch statistics gets separate statistics per time step
// and gains initialized to 0.1 (Cooijmans et al. 2017). Placement does not change an LSTM
// (the sites are fixed: trait placement_applies = false, so a sweep's pre and post runs are one
// run, placement=n/a); placement none means no normalizer. Initialization as PyTorch:
// embedding normal(0, 1), LSTM and output weights and biases uniform(±1/√hidden).
#include <cmath>
#include <memory>

#include "experiments/layers/lstm.hpp"
#include "experiments/layers/token_embedding.hpp"
#include "experiments/models/model_kinds.hpp"
#include "experiments/models/sequence_norms.hpp"
#include "norms/core/errors.hpp"
#include "norms/registry.hpp"

namespace normlab {

namespace {

template <class T>
void fill_uniform(Tensor<T>& t, double bound, Rng& rng) {
  for (std::size_t i = 0; i < t.size(); ++i)
    t.data()[i] = T(rng.uniform(-bound, bound));
}

struct LstmShape {
  std::size_t layers, hidden, embed, context;
};

LstmShape lstm_shape(const Spec& spec, const Shape& sample_shape) {
  const long layers = spec.get_int("layers"), hidden = spec.get_int("hidden"), embed = spec.get_int("embed");
  if (layers < 1 || layers > 64) spec.fail("layers", "expected an integer in [1, 64]");
  if (hidden < 1 || hidden > 65536) spec.fail("hidden", "expected an integer in [1, 65536]");
  if (embed < 1 || embed > 65536) spec.fail("embed", "expected an integer in [1, 65536]");
  if (sample_shape.size() != 1)
    throw InputError("model '" + spec.text() +
                     "' takes windows of token ids (samples of shape (T)), e.g. data "
                     "text:path=FILE,context=64 or markov; got samples of shape " +
                     shape_string(sample_shape));
  return {std::size_t(layers), std::size_t(hidden), std::size_t(embed), sample_shape[0]};
}

template <class T>
void build_lstm(ModelBuilder<T>& builder, const Spec& spec, std::size_t vocab) {
  check_sequence_norm(spec.text(), builder.options());
  const LstmShape s = lstm_shape(spec, builder.shape());
  const std::string& norm = builder.options().norm;
  const NormalizerTraits& traits = normalizer_traits(norm);
  const bool normalized = traits.role == NormRole::activation && builder.placement() != Placement::none;
  const double gain = traits.batch_statistics ? 0.1 : 1.0;
  Rng rng(builder.next_seed());
  const double bound = 1.0 / std::sqrt(double(s.hidden));

  auto embedding = std::make_unique<TokenEmbedding<T>>(vocab, s.context, s.embed, /*positions=*/false);
  for (std::size_t i = 0; i < embedding->token_weight().size(); ++i)
    embedding->token_weight().data()[i] = T(rng.normal());
  builder.add(std::move(embedding));
  std::size_t input = s.embed;
  for (std::size_t l = 0; l < s.layers; ++l) {
    auto layer = std::make_unique<Lstm<T>>(input, s.hidden, s.context, normalized ? norm : "", gain);
    for (auto& p : layer->parameters())
      if (p.name.rfind("norm_", 0) != 0)
        fill_uniform(*p.value, bound, rng);  // the normalizers keep their init
    builder.add(std::move(layer));
    input = s.hidden;
  }
  auto head = std::make_unique<Linear<T>>(s.hidden, vocab, true);
  fill_uniform(head->weight().direction(), bound, rng);
  fill_uniform(head->bias(), bound, rng);
  builder.add(std::move(head));
}

double lstm_parameter_bound(const Spec& spec, const Shape& sample_shape, std::size_t vocab) {
  const LstmShape s = lstm_shape(spec, sample_shape);
  const double H = double(s.hidden), E = double(s.embed);
  const double first = 4 * H * (E + H + 2) + 12 * 4 * H, rest = 4 * H * (2 * H + 2) + 12 * 4 * H;
  return double(vocab) * E + first + double(s.layers - 1) * rest + (H + 1) * double(vocab);
}

}  // namespace

ModelInfo lstm_info() {
  return kind_entry<ModelInfo>(
      "lstm",
      "character-level LSTM language model on token windows (text, markov): embedding, LSTM layers with the "
      "normalizer at Ba et al.'s sites (batch: per-time-step statistics), linear head",
      {{"layers", "1", "number of LSTM layers"},
       {"hidden", "128", "hidden (and cell) size"},
       {"embed", "64", "embedding width"}},
      {build_lstm<float>, build_lstm<double>},
      {{}, "", "", lstm_parameter_bound, /*placement_applies=*/false});
}

}  // namespace normlab
