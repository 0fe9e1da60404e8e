// A model's state in a safetensors file: its parameters and buffers under their PyTorch-style
// names ("0.weight", "1.running_mean", "3.conv1.weight"), and the state of every layer's random
// stream under "rng.<layer>.<stream>" (a dropout layer's mask stream), as I64 [state, spare bits,
// has_spare]. The loader requires exactly the model's names and shapes, so a checkpoint of
// another model is an InputError naming the first tensor that does not fit.
#pragma once

#include <string>

#include "experiments/models/model.hpp"
#include "norms/core/safetensors.hpp"

namespace normlab {

// T is float (tensors stored as F32) or double (F64): a checkpoint loads only into a model of its dtype.
template <class T>
void add_model_tensors(SafetensorsFile& file, Model<T>& model);
template <class T>
void load_model_tensors(const SafetensorsFile& file, const std::string& path, Model<T>& model);

SafeTensor encode_rng(const std::string& name, const Rng& rng);
Rng::State decode_rng(const SafeTensor& entry, const std::string& path);

}  // namespace normlab
