// libFuzzer target: the sweep configuration loader (experiments/harness/sweep_config.cpp, on
// toml++) on arbitrary TOML text, with and without --quick and with one --set override. Only the
// loading is fuzzed: expanding the runs and checking their specs lie beyond it.
//
// A finding of the first fuzz session, fixed: toml++'s parse errors quote the offending text, a
// newline included, so `bias = tru` at the end of a line gave a two-line message
// (corpus/toml/finding_two_line_message.toml); sweep_config.cpp now writes it on one line.
#include <cstdint>
#include <string>

#include "experiments/harness/sweep_config.hpp"
#include "fuzz_contract.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace normlab;
  if (size > 16384) return 0;  // configurations are short; longer inputs only slow the search
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const bool quick : {false, true})
    fuzz::expect_success_or_input_error([&] { parse_sweep_config("fuzz.toml", text, {}, quick); }, "");
  fuzz::expect_success_or_input_error(
      [&] { parse_sweep_config("fuzz.toml", text, {"lr=[0.1, 0.2]"}, false); }, "");
  return 0;
}
