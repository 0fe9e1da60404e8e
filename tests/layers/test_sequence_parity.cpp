// PyTorch parity of the Transformer block (fixtures by scripts/make_sequence_fixtures.py from a
// block written with torch.nn.functional): the output, dx and every parameter gradient, in both
// placements, with layer norm and without, in float64 (1e-10) and float32 (1e-5).
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "experiments/layers/lstm.hpp"
#include "experiments/layers/norm_layer.hpp"
#include "experiments/layers/transformer_block.hpp"
#include "fixtures/fixture_cases.hpp"
#include "norms/core/npy.hpp"
#include "norms/registry.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

const char* kSequenceHint =
    "regenerate with `/usr/bin/python3 scripts/make_sequence_fixtures.py` (needs python3-torch) if the "
    "semantics "
    "changed on purpose";

std::string meta_value(const std::string& meta, const std::string& key) {
  const auto at = meta.find("\"" + key + "\": ");
  REQUIRE(at != std::string::npos);
  std::string value = meta.substr(at + key.size() + 4);
  value = value.substr(0, value.find_first_of(",\n}"));
  if (!value.empty() && value.front() == '"') value = value.substr(1, value.size() - 2);
  return value;
}

template <class T>
void check_case(const std::string& dir) {
  std::ifstream in(dir + "/meta.json");
  std::stringstream text;
  text << in.rdbuf();
  const std::string meta = text.str();
  const std::string placement = meta_value(meta, "placement"), norm = meta_value(meta, "norm");
  const std::size_t context = std::stoul(meta_value(meta, "context")),
                    H = std::stoul(meta_value(meta, "heads"));
  const std::size_t C = std::stoul(meta_value(meta, "width")),
                    hidden = std::stoul(meta_value(meta, "hidden"));
  const Tolerance tol = parity_tolerance(meta_value(meta, "dtype"));
  INFO(dir << "; " << kSequenceHint);

  typename TransformerBlock<T>::Parts parts;
  if (norm != "none") {
    parts.ln_1 = std::make_unique<NormLayer<T>>(make_normalizer<T>(norm, {2, C}), Shape{C});
    parts.ln_2 = std::make_unique<NormLayer<T>>(make_normalizer<T>(norm, {2, C}), Shape{C});
  }
  parts.attn = std::make_unique<CausalSelfAttention<T>>(context, C, H, true);
  parts.c_fc = std::make_unique<Linear<T>>(C, hidden, true);
  parts.c_proj = std::make_unique<Linear<T>>(hidden, C, true);
  TransformerBlock<T> block(placement == "pre", std::move(parts));
  for (auto& p : block.parameters()) {
    const Tensor<T> value = read_npy<T>(dir + "/set_" + p.name + ".npy");
    REQUIRE(shape_of(value) == shape_of(*p.value));
    std::copy(value.data(), value.data() + value.size(), p.value->data());
    p.grad->fill(T(0));
  }
  const Tensor<T> x = read_npy<T>(dir + "/x.npy"), dy = read_npy<T>(dir + "/dy.npy");
  CHECK(describe_mismatch(block.forward(x, Mode::train), read_npy<T>(dir + "/y.npy"), tol) == "");
  CHECK(describe_mismatch(block.backward(dy), read_npy<T>(dir + "/dx.npy"), tol) == "");
  for (auto& p : block.parameters()) {
    INFO("d" << p.name);
    CHECK(describe_mismatch(*p.grad, read_npy<T>(dir + "/d" + p.name + ".npy"), tol) == "");
  }
}

}  // namespace

TEST_CASE("Transformer block matches PyTorch (torch.nn.functional) in both placements") {
  const std::string root = std::string(NORMLAB_TESTS_DIR) + "/fixtures/sequence";
  std::size_t cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_directory() || entry.path().filename().string().rfind("transformer_block_", 0) != 0)
      continue;
    const std::string dir = entry.path().string();
    if (dir.size() > 4 && dir.substr(dir.size() - 3) == "f32")
      check_case<float>(dir);
    else
      check_case<double>(dir);
    ++cases;
  }
  CHECK(cases == 8);  // pre/post × layer/none × f32/f64
}

namespace {

template <class T>
void check_lstm_case(const std::string& dir) {
  std::ifstream in(dir + "/meta.json");
  std::stringstream text;
  text << in.rdbuf();
  const std::string meta = text.str();
  const std::size_t N = std::stoul(meta_value(meta, "batch")),
                    steps = std::stoul(meta_value(meta, "context"));
  const std::size_t I = std::stoul(meta_value(meta, "input")), H = std::stoul(meta_value(meta, "hidden"));
  const Tolerance tol = parity_tolerance(meta_value(meta, "dtype"));
  INFO(dir << "; " << kSequenceHint);
  Lstm<T> lstm(I, H, steps, "", 1.0);
  for (auto& p : lstm.parameters()) {
    const Tensor<T> value = read_npy<T>(dir + "/set_" + p.name + ".npy");
    REQUIRE(shape_of(value) == shape_of(*p.value));
    std::copy(value.data(), value.data() + value.size(), p.value->data());
    p.grad->fill(T(0));
  }
  const Tensor<T> x = read_npy<T>(dir + "/x.npy"), dy = read_npy<T>(dir + "/dy.npy");
  const Tensor<T>& y = lstm.forward(x, Mode::train);
  CHECK(describe_mismatch(y, read_npy<T>(dir + "/y.npy"), tol) == "");
  Tensor<T> h_n = Tensor<T>::from_shape({N, H});  // the last step of each window
  for (std::size_t n = 0; n < N; ++n)
    std::copy(y.data() + (n * steps + steps - 1) * H, y.data() + (n * steps + steps) * H, h_n.data() + n * H);
  CHECK(describe_mismatch(h_n, read_npy<T>(dir + "/h_n.npy"), tol) == "");
  CHECK(describe_mismatch(lstm.final_cell(), read_npy<T>(dir + "/c_n.npy"), tol) == "");
  CHECK(describe_mismatch(lstm.backward(dy), read_npy<T>(dir + "/dx.npy"), tol) == "");
  for (auto& p : lstm.parameters()) {
    INFO("d" << p.name);
    CHECK(describe_mismatch(*p.grad, read_npy<T>(dir + "/d" + p.name + ".npy"), tol) == "");
  }
}

}  // namespace

TEST_CASE("LSTM layer matches torch.nn.LSTM: outputs, final states and every gradient over a window") {
  const std::string root = std::string(NORMLAB_TESTS_DIR) + "/fixtures/sequence";
  check_lstm_case<double>(root + "/lstm_f64");
  check_lstm_case<float>(root + "/lstm_f32");
}
