// Finite-difference checks (double; gradcheck.hpp) of the LSTM layer with every normalizer-site
// variant (none; layer, rms and batch at the ih, hh and cell sites with parameters shared over
// the time steps), and its per-time-step batch statistics and running buffers.
#include "experiments/layers/lstm.hpp"
#include "layers/gradcheck.hpp"

using namespace normlab;
using namespace normlab::testing;

TEST_CASE("LSTM gradients with every normalizer-site variant") {
  for (const char* norm : {"", "layer", "rms", "batch"})
    for (auto [n, t, in, h] : {std::array<std::size_t, 4>{3, 4, 3, 2}, {2, 3, 2, 3}}) {
      INFO("norm=" << norm << " N=" << n << " T=" << t << " I=" << in << " H=" << h);
      Rng rng(7);
      Lstm<double> lstm(in, h, t, norm, 1.0);
      randomize_parameters(lstm, rng);
      check_layer_gradients(lstm, random_tensor({n * t, in}, rng));
    }
}

TEST_CASE("LSTM with batch norm keeps separate running statistics per time step, shared gains") {
  const std::size_t n = 4, t = 3, in = 2, h = 2;
  Lstm<double> lstm(in, h, t, "batch", 0.1);
  Rng rng(8);
  randomize_parameters(lstm, rng);
  auto params = lstm.parameters();
  std::size_t shared = 0;
  for (auto& p : params)
    shared += p.name.rfind("norm_", 0) == 0;
  CHECK(shared == 6);  // weight and bias of the three sites, once for all steps
  Rng fresh(9);
  Lstm<double> init(in, h, t, "batch", 0.1);
  for (auto& p : init.parameters())
    if (p.name == "norm_hh.weight") CHECK(p.value->data()[0] == 0.1);  // Cooijmans et al.'s γ
  lstm.forward(random_tensor({n * t, in}, rng, 2.0), Mode::train);
  std::vector<const Tensor<double>*> means;
  for (auto& b : lstm.buffers())
    if (b.name.find("norm_ih.") == 0 && b.name.find(".running_mean") != std::string::npos)
      means.push_back(b.value);
  REQUIRE(means.size() == t);
  CHECK(means[0]->data()[0] != means[1]->data()[0]);  // each step's statistics of its own
  CHECK_THROWS_WITH(lstm.forward(random_tensor({7, in}, rng), Mode::train), Catch::Contains("whole windows"));
}
