// The IDX and CIFAR-10 readers on the hostile files of issue 12: headers whose sizes overflow,
// gzip bombs (a small .gz that decompresses to a gigabyte), and headers that promise far more
// than the file holds. Each must be an InputError naming the file, found without holding more
// than the header describes in memory (checked through the peak resident size).
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "experiments/data/file_reading.hpp"
#include "experiments/data/make_dataset.hpp"
#include "hostile_files.hpp"
#include "norms/core/errors.hpp"
#include "temp_dir.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

// The process's peak resident size so far, in MiB.
double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace

TEST_CASE("IDX headers whose data size overflows are refused before reading", "[data][issue12]") {
  TempDir dir;
  const std::string path = dir.file("t10k-images-idx3-ubyte");
  write_raw(path, idx_header(0x803, {1u << 16, 1u << 24, 1u << 24}));  // 2^64 bytes: wrapped to 0 before
  const std::string message = error_of([&] { read_idx_images(path); });
  CHECK_THAT(message, Catch::Contains(path) && Catch::Contains("65536 images of 16777216 x 16777216") &&
                          Catch::Contains("more than 2^63 bytes"));
  write_raw(path, idx_header(0x803, {0xffffffffu, 0xffffffffu, 0xffffffffu}));
  CHECK_THAT(error_of([&] { read_idx_images(path); }), Catch::Contains("more than 2^63 bytes"));
  write_raw(path,
            idx_header(0x803, {0, 0xffffffffu, 0xffffffffu}));  // zero images, but no finite layout either
  CHECK_THAT(error_of([&] { read_idx_images(path); }), Catch::Contains("more than 2^63 bytes"));
}

TEST_CASE("a gzipped IDX bomb stops at the first byte beyond its header's size", "[data][issue12]") {
  TempDir dir;
  const std::string path = dir.file("t10k-images-idx3-ubyte.gz");
  Bytes head = idx_header(0x803, {100, 28, 28});
  head.resize(head.size() + 100 * 28 * 28, 0);
  write_gz_bomb(path, head, Bytes(1 << 20, 0), 1024);  // ~1 MB on disk, 1 GiB of zeros after the images
  const double before = peak_rss_mib();
  const std::string message = error_of([&] { read_idx_images(path); });
  CHECK_THAT(message,
             Catch::Contains(path) && Catch::Contains("trailing data") && Catch::Contains("100 images"));
  CHECK(peak_rss_mib() < before + 64);  // the whole stream would be 1024 MiB
}

TEST_CASE("an IDX header promising more than the file holds is truncated, not allocated", "[data][issue12]") {
  TempDir dir;
  for (const bool gz : {false, true}) {
    const std::string path = dir.file(gz ? "images.gz" : "images");
    Bytes bytes = idx_header(0x803, {60000, 1000, 1000});  // 60 GB promised
    bytes.resize(bytes.size() + 5000, 7);
    if (gz)
      write_gz_bomb(path, bytes, {}, 0);
    else
      write_raw(path, bytes);
    const double before = peak_rss_mib();
    const std::string message = error_of([&] { read_idx_images(path); });
    CHECK_THAT(message, Catch::Contains(path) && Catch::Contains("truncated") &&
                            Catch::Contains("ends after 5000 of the 60000000000 bytes"));
    CHECK(peak_rss_mib() < before + 64);
  }
  const std::string labels = dir.file("labels");
  write_raw(labels, idx_header(0x801, {5}));
  CHECK_THAT(error_of([&] { read_idx_labels(labels, 10); }), Catch::Contains("ends after 0 of the 5 bytes"));
}

TEST_CASE("the IDX data length must match the header exactly, gzipped or raw", "[data][issue12]") {
  TempDir dir;
  const std::string path = dir.file("labels");
  Bytes bytes = idx_header(0x801, {3});
  bytes.insert(bytes.end(), {1, 2, 3});
  write_raw(path, bytes);
  CHECK(read_idx_labels(path, 10) == Bytes{1, 2, 3});
  bytes.push_back(4);
  write_raw(path, bytes);
  CHECK_THAT(error_of([&] { read_idx_labels(path, 10); }), Catch::Contains("more than the 11 bytes") &&
                                                               Catch::Contains("(3 labels)") &&
                                                               Catch::Contains("trailing data"));
  write_gz_bomb(path + ".gz", Bytes(bytes.begin(), bytes.end() - 1), {}, 0);
  CHECK(read_idx_labels(path + ".gz", 10) == Bytes{1, 2, 3});
}

TEST_CASE("a CIFAR-10 bomb stops after 10,000 records", "[data][issue12]") {
  TempDir dir;
  for (int b = 1; b <= 5; ++b)
    write_raw(dir.file("data_batch_" + std::to_string(b) + ".bin"), Bytes(3073, 1));
  write_raw(dir.file("test_batch.bin"), Bytes(3073, 2));
  // Records of label 0 and black pixels are valid; 1 GiB of them is not a CIFAR-10 batch.
  std::filesystem::remove(dir.file("data_batch_1.bin"));
  write_gz_bomb(dir.file("data_batch_1.bin"), {}, Bytes(1 << 20, 0), 1024);
  const double before = peak_rss_mib();
  CHECK_THAT(error_of([&] { make_dataset("cifar10:path=" + dir.path + ",train=2", 0); }),
             Catch::Contains("data_batch_1.bin") && Catch::Contains("more than 10000 records"));
  CHECK(peak_rss_mib() < before + 64);
  // Exactly 10,000 records is a batch.
  write_gz_bomb(dir.file("data_batch_1.bin"), {}, Bytes(3073, 0), 10000);
  CHECK(make_dataset("cifar10:path=" + dir.path + ",train=3", 0).train.size() == 3);
}

TEST_CASE("IDX images of zero rows or columns are refused", "[data][issue12]") {
  TempDir dir;
  const std::string path = dir.file("images");
  write_raw(path, idx_header(0x803, {10, 0, 28}));
  CHECK_THAT(error_of([&] { read_idx_images(path); }),
             Catch::Contains(path) && Catch::Contains("images of 0 x 28 pixels"));
  write_raw(path, idx_header(0x803, {0, 28, 28}));  // no images at all is a valid, empty file
  CHECK(read_idx_images(path).count == 0);
}
