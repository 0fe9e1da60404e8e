#include "experiments/train/precise_bn.hpp"

#include <set>

#include "experiments/data/batcher.hpp"
#include "experiments/train/batch_dtype.hpp"
#include "norms/registry.hpp"

namespace normlab {

namespace {

template <class T>
void collect(Layer<T>* layer, std::vector<Normalizer<T>*>& out) {
  if (Normalizer<T>* normalizer = layer->activation_normalizer()) {
    const NormalizerTraits& traits = normalizer_registry().find(normalizer->kind()).traits;
    if (traits.batch_statistics && traits.running_buffers) out.push_back(normalizer);
  }
  for (const auto& [name, sublayer] : layer->sublayers())
    collect(sublayer, out);
}

}  // namespace

template <class T>
std::vector<Normalizer<T>*> precise_statistics_normalizers(Model<T>& model) {
  std::vector<Normalizer<T>*> normalizers;
  for (const auto& layer : model.layers())
    collect(layer.get(), normalizers);
  return normalizers;
}

template <class T>
void update_precise_statistics(Model<T>& model, const Split& train, std::size_t batch_size, bool drop_last,
                               std::size_t batches, std::uint64_t seed) {
  const std::vector<Normalizer<T>*> normalizers = precise_statistics_normalizers(model);
  if (batches == 0 || normalizers.empty()) return;

  // Every buffer but the recomputed ones is put back after each forward.
  std::set<const Tensor<T>*> recomputed;
  for (Normalizer<T>* normalizer : normalizers)
    for (const auto& buffer : normalizer->buffers())
      recomputed.insert(buffer.value);
  std::vector<Tensor<T>*> held;
  std::vector<Tensor<T>> saved;
  for (const auto& buffer : model.buffers())
    if (!recomputed.count(buffer.value)) held.push_back(buffer.value), saved.push_back(*buffer.value);

  Batcher batcher(train, batch_size, drop_last, Rng::stream(seed, "precise_bn").next_u64());
  Tensor<float> x;    // (B, *sample_shape) as the data set holds it
  Tensor<T> x_model;  // the same in the model's dtype
  std::vector<std::int32_t> labels;
  for (Normalizer<T>* normalizer : normalizers)
    normalizer->begin_precise_statistics();
  for (std::size_t b = 0; b < batches; ++b) {
    batcher.next(x, labels);
    model.forward(batch_as(x, x_model), Mode::train);
    for (std::size_t i = 0; i < held.size(); ++i)
      *held[i] = saved[i];
  }
  for (Normalizer<T>* normalizer : normalizers)
    normalizer->end_precise_statistics();
}

template std::vector<Normalizer<float>*> precise_statistics_normalizers<float>(Model<float>&);
template std::vector<Normalizer<double>*> precise_statistics_normalizers<double>(Model<double>&);
template void update_precise_statistics<float>(Model<float>&, const Split&, std::size_t, bool, std::size_t,
                                               std::uint64_t);
template void update_precise_statistics<double>(Model<double>&, const Split&, std::size_t, bool, std::size_t,
                                                std::uint64_t);

}  // namespace normlab
