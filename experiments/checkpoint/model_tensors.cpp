#include "experiments/checkpoint/model_tensors.hpp"

#include <cstring>
#include <set>

#include "experiments/checkpoint/tensor_codec.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

// Every random stream of the model, named "<layer index>[.<sublayer>].<stream>".
template <class T>
void collect_streams(const std::string& prefix, Layer<T>& layer,
                     std::vector<std::pair<std::string, Rng*>>& out) {
  for (auto& [name, rng] : layer.random_streams())
    out.emplace_back(prefix + "." + name, rng);
  for (auto& [name, sub] : layer.sublayers())
    collect_streams(prefix + "." + name, *sub, out);
}

template <class T>
std::vector<std::pair<std::string, Rng*>> model_streams(Model<T>& model) {
  std::vector<std::pair<std::string, Rng*>> streams;
  for (std::size_t i = 0; i < model.layers().size(); ++i)
    collect_streams(std::to_string(i), *model.layers()[i], streams);
  return streams;
}

}  // namespace

SafeTensor encode_rng(const std::string& name, const Rng& rng) {
  const Rng::State s = rng.state();
  std::int64_t state = 0, spare = 0;
  std::memcpy(&state, &s.state, sizeof state);  // bit patterns, not values
  std::memcpy(&spare, &s.spare, sizeof spare);
  return encode_i64(name, {state, spare, s.has_spare ? 1 : 0});
}

Rng::State decode_rng(const SafeTensor& entry, const std::string& path) {
  const std::vector<std::int64_t> v = decode_i64(entry, path);
  if (v.size() != 3)
    throw InputError(path + ": random stream '" + entry.name + "' has " + std::to_string(v.size()) +
                     " values; expected 3");
  Rng::State s;
  std::memcpy(&s.state, &v[0], sizeof s.state);
  std::memcpy(&s.spare, &v[1], sizeof s.spare);
  s.has_spare = v[2] != 0;
  return s;
}

template <class T>
void add_model_tensors(SafetensorsFile& file, Model<T>& model) {
  for (const auto& p : model.parameters())
    file.tensors.push_back(encode_tensor(p.name, *p.value));
  for (const auto& b : model.buffers())
    file.tensors.push_back(encode_tensor(b.name, *b.value));
  for (const auto& [name, rng] : model_streams(model))
    file.tensors.push_back(encode_rng("rng." + name, *rng));
}

template <class T>
void load_model_tensors(const SafetensorsFile& file, const std::string& path, Model<T>& model) {
  std::set<std::string> expected;
  for (const auto& p : model.parameters()) {
    decode_into(require_tensor(file, path, p.name), path, *p.value);
    expected.insert(p.name);
  }
  for (const auto& b : model.buffers()) {
    decode_into(require_tensor(file, path, b.name), path, *b.value);
    expected.insert(b.name);
  }
  for (const auto& [name, rng] : model_streams(model)) {
    rng->restore(decode_rng(require_tensor(file, path, "rng." + name), path));
    expected.insert("rng." + name);
  }
  // A tensor of the model's kind that the model lacks: the checkpoint is of another model.
  for (const auto& t : file.tensors) {
    const bool other_state = t.name.rfind("optimizer.", 0) == 0 || t.name.rfind("batcher.", 0) == 0 ||
                             t.name.rfind("train.", 0) == 0 || t.name.rfind("records.", 0) == 0;
    if (!other_state && !expected.count(t.name))
      throw InputError(path + ": the checkpoint has a tensor '" + t.name + "' that the model does not have");
  }
}

template void add_model_tensors<float>(SafetensorsFile&, Model<float>&);
template void add_model_tensors<double>(SafetensorsFile&, Model<double>&);
template void load_model_tensors<float>(const SafetensorsFile&, const std::string&, Model<float>&);
template void load_model_tensors<double>(const SafetensorsFile&, const std::string&, Model<double>&);

}  // namespace normlab
