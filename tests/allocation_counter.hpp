// Counts every allocation of the test executable that includes it, by replacing the global
// operator new and delete. Include it from exactly one .cpp file per test executable (replacement
// allocation functions must be defined once and cannot be inline); read allocation_count().
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace normlab::testing {
inline std::atomic<long> allocation_counter{0};
inline long allocation_count() { return allocation_counter.load(); }
}  // namespace normlab::testing

void* operator new(std::size_t size) {
  ++normlab::testing::allocation_counter;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
