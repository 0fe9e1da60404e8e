// mlp:in=auto,widths=128x64,out=auto,act=relu,dropout=0
//   [Flatten] -> per width: Linear -> (norm, act in the placement) [-> Dropout] -> Linear(classes)
#include <memory>

#include "experiments/layers/dropout.hpp"
#include "experiments/layers/flatten.hpp"
#include "experiments/models/model_kinds.hpp"

namespace normlab {

template <class T>
void build_mlp(ModelBuilder<T>& builder, const Spec& spec, std::size_t num_classes) {
  const auto widths = parse_widths(spec, "widths");
  const ActivationKind act = parse_activation(spec.get_choice("act", {"relu", "sigmoid", "tanh"}));
  const double dropout = spec.get_double("dropout");
  if (!(dropout >= 0 && dropout < 1)) spec.fail("dropout", "must be in [0, 1)");
  if (builder.shape().size() > 1) builder.add(std::make_unique<Flatten<T>>());
  for (std::size_t i = 0; i < widths.size(); ++i) {
    builder.hidden_linear(widths[i], act);
    if (dropout > 0) builder.add(std::make_unique<Dropout<T>>(dropout, builder.next_seed()));
  }
  builder.output_linear(num_classes);
}

template void build_mlp<float>(ModelBuilder<float>&, const Spec&, std::size_t);
template void build_mlp<double>(ModelBuilder<double>&, const Spec&, std::size_t);

}  // namespace normlab
