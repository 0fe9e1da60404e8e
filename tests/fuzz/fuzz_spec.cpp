// libFuzzer target: the spec parser (norms/core/spec.cpp) and the normalizer specs built on it,
// on arbitrary text: Spec::parse for every family's wording, then validate_normalizer_spec, and
// for a valid spec make_normalizer and one training-mode forward and backward on a small input.
// Beyond the contract (fuzz_contract.hpp): dx has the input's shape.
#include <cstdint>
#include <string>

#include "fuzz_contract.hpp"
#include "norms/core/spec.hpp"
#include "norms/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace normlab;
  if (size > 4096) return 0;  // specs are short; longer inputs only slow the search
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_success_or_input_error([&] { Spec::parse(text, "model"); }, "");
  fuzz::expect_success_or_input_error(
      [&] {
        validate_normalizer_spec(text);
        Tensor<double> x = Tensor<double>::from_shape({3, 4, 2});
        for (std::size_t i = 0; i < x.size(); ++i)
          x.data()[i] = 0.25 * double(i % 5) - 0.5;
        auto norm = make_normalizer<double>(text, {3, 4, 2});
        Tensor<double> y, dx;
        norm->forward(x, y, Mode::train);
        norm->zero_grad();
        norm->backward(x, x, dx);
        if (normlab::shape_of(dx) != normlab::shape_of(x)) fuzz::finding("dx has the wrong shape");
      },
      "");
  return 0;
}
