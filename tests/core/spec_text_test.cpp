// Spec texts with control characters (found by the spec fuzz target, tests/fuzz/fuzz_spec.cpp):
// every message quotes the spec, so a newline in one made a two-line error. They are refused by
// Spec::parse itself, naming the byte and its position; tabs stay allowed as spaces.
#include <catch2/catch.hpp>

#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"

using namespace normlab;

TEST_CASE("spec texts with control characters are one-line input errors", "[spec][issue12]") {
  for (const std::string& text :
       {std::string("batch\n"), std::string("batch:eps=1e-5\nx"), std::string("\x01"),
        std::string("group:num_groups=2\r"), std::string("batch\x7f"), std::string("ba\0tch", 6)}) {
    INFO("spec of " << text.size() << " bytes");
    try {
      Spec::parse(text, "normalizer");
      FAIL("accepted");
    } catch (const InputError& e) {
      const std::string message = e.what();
      CHECK(message.find('\n') == std::string::npos);
      CHECK(message.find("holds the control character \\x") != std::string::npos);
      CHECK(message.rfind("normalizer spec '", 0) == 0);
    }
  }
  CHECK_THROWS_WITH(Spec::parse("batch:eps=1e-5\nx", "normalizer"),
                    Catch::Contains("'batch:eps=1e-5...'") && Catch::Contains("\\x0a at position 14"));
  CHECK(Spec::parse("batch:\tmomentum=0.5", "normalizer").raw("momentum") == "0.5");
}
