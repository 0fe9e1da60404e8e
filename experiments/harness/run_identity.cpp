#include "experiments/harness/run_identity.hpp"

#include <cstdint>

#include <fmt/format.h>

namespace normlab {

std::string canonical_config(const KeyValues& values) {
  std::string text;
  for (const auto& [key, value] : values) text += key + "=" + value + "\n";
  return text + "result_version=" + std::to_string(kResultVersion) + "\n";
}

std::string run_id_of(const std::string& canonical) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a, 64 bits
  for (const unsigned char c : canonical) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return fmt::format("{:016x}", hash);
}

}  // namespace normlab
