#include "experiments/train/precise_bn.hpp"

#include <set>

#include "experiments/data/batcher.hpp"
#include "norms/registry.hpp"

namespace normlab {

namespace {

void collect(Layer<float>* layer, std::vector<Normalizer<float>*>& out) {
  if (Normalizer<float>* normalizer = layer->activation_normalizer()) {
    const NormalizerTraits& traits = normalizer_registry().find(normalizer->kind()).traits;
    if (traits.batch_statistics && traits.running_buffers) out.push_back(normalizer);
  }
  for (const auto& [name, sublayer] : layer->sublayers())
    collect(sublayer, out);
}

}  // namespace

std::vector<Normalizer<float>*> precise_statistics_normalizers(Model<float>& model) {
  std::vector<Normalizer<float>*> normalizers;
  for (const auto& layer : model.layers())
    collect(layer.get(), normalizers);
  return normalizers;
}

void update_precise_statistics(Model<float>& model, const Split& train, std::size_t batch_size,
                               bool drop_last, std::size_t batches, std::uint64_t seed) {
  const std::vector<Normalizer<float>*> normalizers = precise_statistics_normalizers(model);
  if (batches == 0 || normalizers.empty()) return;

  // Every buffer but the recomputed ones is put back after each forward.
  std::set<const Tensor<float>*> recomputed;
  for (Normalizer<float>* normalizer : normalizers)
    for (const auto& buffer : normalizer->buffers())
      recomputed.insert(buffer.value);
  std::vector<Tensor<float>*> held;
  std::vector<Tensor<float>> saved;
  for (const auto& buffer : model.buffers())
    if (!recomputed.count(buffer.value)) held.push_back(buffer.value), saved.push_back(*buffer.value);

  Batcher batcher(train, batch_size, drop_last, Rng::stream(seed, "precise_bn").next_u64());
  Tensor<float> x;
  std::vector<std::int32_t> labels;
  for (Normalizer<float>* normalizer : normalizers)
    normalizer->begin_precise_statistics();
  for (std::size_t b = 0; b < batches; ++b) {
    batcher.next(x, labels);
    model.forward(x, Mode::train);
    for (std::size_t i = 0; i < held.size(); ++i)
      *held[i] = saved[i];
  }
  for (Normalizer<float>* normalizer : normalizers)
    normalizer->end_precise_statistics();
}

}  // namespace normlab
