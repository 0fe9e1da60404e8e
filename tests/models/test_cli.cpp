// normlab model and normlab list through the executable: layers with shapes and counts, help,
// the listings of models and initializations, and one-line errors with exit status 2.
#include <string>

#include <catch2/catch.hpp>

#include "models/run_normlab.hpp"

using normlab::testing::run_normlab;

namespace {

std::size_t count_lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("normlab model prints every layer with its output shape and counts") {
  const auto result = run_normlab("model --model resnet:depth=8,width=4 --norm batch --placement pre --input 3,32,32");
  INFO(result.output);
  REQUIRE(result.exit_status == 0);
  CHECK(result.output.find("BasicBlock(4, 8, stride=2)") != std::string::npos);
  CHECK(result.output.find("(N, 8, 16, 16)") != std::string::npos);
  CHECK(result.output.find("4.shortcut.0") != std::string::npos);
  CHECK(result.output.find("Conv2d(4, 8, kernel_size=1, stride=2, padding=0, bias=false)") != std::string::npos);
  CHECK(result.output.find("(N, 10)") != std::string::npos);
  // By hand: stem 3·4·9 + 8; block (4, 4) 2·144 + 2·8; block (4, 8) 288 + 576 + 32 + 3·16;
  // block (8, 16) 1152 + 2304 + 128 + 3·32; Linear 16·10 + 10. Buffers: running mean and var of
  // every batch norm (4 + 2·4 + 3·8 + 3·16 channels).
  CHECK(result.output.find("total: 5,214 learnable parameters, 168 buffer values") != std::string::npos);
}

TEST_CASE("normlab model --help and normlab list describe models and initializations") {
  auto result = run_normlab("model --help");
  CHECK(result.exit_status == 0);
  CHECK(result.output.find("--placement") != std::string::npos);
  result = run_normlab("list");
  INFO(result.output);
  CHECK(result.exit_status == 0);
  for (const char* text : {"models (--model)", "mlp", "widths=128x64", "vgg", "widths=16x32x64", "resnet", "depth=8",
                           "initializations (--init)", "kaiming", "xavier", "normal", "std=0.01", "uniform",
                           "scale=0.1"})
    CHECK(result.output.find(text) != std::string::npos);
}

TEST_CASE("normlab model rejects bad input with one line and exit status 2") {
  for (const char* arguments :
       {"model --model mlp:widths=8 --input 6 --classes 3 --norm instance",
        "model --model vgg:widths=8 --norm group:num_groups=3", "model --model transformer",
        "model --model mlp:in=4,out=2 --placement sideways", "model --model vgg --input 3,x,32",
        "model --model mlp:in=4,out=2 --init orthogonal", "model"}) {
    const auto result = run_normlab(arguments);
    INFO(arguments << "\n" << result.output);
    CHECK(result.exit_status == 2);
    CHECK(count_lines(result.output) == 1);
    CHECK(result.output.find("error") != std::string::npos);
  }
}
