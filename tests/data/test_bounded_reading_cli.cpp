// End to end: `normlab run` on a sweep whose data set directory holds the hostile files of
// issue 12. The data is read when the sweep is validated, so each must be a configuration error
// (exit 2, one line naming the file) before any run starts, quickly and in bounded memory.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <filesystem>

#include "apply/run_normlab.hpp"
#include "hostile_files.hpp"

namespace normlab::testing {

namespace {

// Peak resident size of the largest finished child process (normlab, through the shell), MiB.
double children_peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

// Runs a one-run sweep on `data` and checks the configuration-error contract.
void check_sweep_error(const TempDir& dir, const std::string& data,
                       const std::vector<std::string>& expected) {
  const std::string config = dir / "sweep.toml";
  std::ofstream(config) << "name = \"hostile\"\nnorm = \"batch\"\nmodel = \"mlp\"\ndata = \"" << data
                        << "\"\nsteps = 1\n";
  const RunResult r = run_normlab({"run", config, "--out", dir / "out"}, dir);
  INFO("command: " << r.command << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("normlab run: error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  for (const auto& text : expected)
    CHECK(r.err.find(text) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "out"));
  CHECK(children_peak_rss_mib() < 256);  // the bombs below hold 1 GiB
}

Bytes idx_labels(std::uint32_t count) {
  Bytes bytes = idx_header(0x801, {count});
  bytes.resize(bytes.size() + count, 3);
  return bytes;
}

}  // namespace

TEST_CASE("normlab run: an IDX header whose size overflows is a configuration error",
          "[data][cli][issue12]") {
  TempDir dir;
  write_raw(dir / "t10k-images-idx3-ubyte", idx_header(0x803, {1u << 16, 1u << 24, 1u << 24}));
  write_raw(dir / "t10k-labels-idx1-ubyte", idx_labels(10));
  check_sweep_error(
      dir, "mnist:path=" + dir.path().string(),
      {"t10k-images-idx3-ubyte", "65536 images of 16777216 x 16777216", "more than 2^63 bytes"});
}

TEST_CASE("normlab run: a gzipped IDX bomb is refused at its first surplus byte", "[data][cli][issue12]") {
  TempDir dir;
  Bytes head = idx_header(0x803, {100, 28, 28});
  head.resize(head.size() + 100 * 28 * 28, 0);
  write_gz_bomb(dir / "t10k-images-idx3-ubyte.gz", head, Bytes(1 << 20, 0), 1024);
  write_raw(dir / "t10k-labels-idx1-ubyte", idx_labels(100));
  check_sweep_error(dir, "mnist:path=" + dir.path().string(), {"t10k-images-idx3-ubyte.gz", "trailing data"});
}

TEST_CASE("normlab run: a gzipped CIFAR-10 bomb is refused after 10,000 records", "[data][cli][issue12]") {
  TempDir dir;
  write_gz_bomb(dir / "data_batch_1.bin", {}, Bytes(1 << 20, 0), 1024);
  for (int b = 2; b <= 5; ++b)
    write_raw(dir / ("data_batch_" + std::to_string(b) + ".bin"), Bytes(3073, 1));
  write_raw(dir / "test_batch.bin", Bytes(3073, 2));
  check_sweep_error(dir, "cifar10:path=" + dir.path().string(),
                    {"data_batch_1.bin", "more than 10000 records"});
}

}  // namespace normlab::testing
