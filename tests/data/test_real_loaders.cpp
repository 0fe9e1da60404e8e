// The IDX (MNIST, Fashion-MNIST) and CIFAR-10 loaders on small files written here, including
// corrupt ones, and on the real MNIST test split when it is present.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <vector>

#include "experiments/data/make_dataset.hpp"
#include "norms/core/errors.hpp"
#include "temp_dir.hpp"

using namespace normlab;
using Bytes = std::vector<std::uint8_t>;

namespace {

void put_u32(Bytes& bytes, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(std::uint8_t(v >> shift));
}

// count images of rows x cols; pixel (i, p) = (i * 7 + p) mod 256.
Bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, std::uint32_t magic = 0x803) {
  Bytes bytes;
  put_u32(bytes, magic);
  put_u32(bytes, count);
  put_u32(bytes, rows);
  put_u32(bytes, cols);
  for (std::uint32_t i = 0; i < count; ++i)
    for (std::uint32_t p = 0; p < rows * cols; ++p) bytes.push_back(std::uint8_t((i * 7 + p) % 256));
  return bytes;
}

// label i = (i + offset) mod 10.
Bytes idx_labels(std::uint32_t count, std::uint32_t offset = 0, std::uint32_t magic = 0x801) {
  Bytes bytes;
  put_u32(bytes, magic);
  put_u32(bytes, count);
  for (std::uint32_t i = 0; i < count; ++i) bytes.push_back(std::uint8_t((i + offset) % 10));
  return bytes;
}

void write_raw(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void write_gz(const std::string& path, const Bytes& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, bytes.data(), unsigned(bytes.size()));
  gzclose(file);
}

Bytes read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// A directory with train (12 images) and t10k (5 images) IDX files of 4x3 pixels.
void write_idx_set(const TempDir& dir, bool gz) {
  auto write = gz ? write_gz : write_raw;
  const std::string suffix = gz ? ".gz" : "";
  write(dir.file("train-images-idx3-ubyte" + suffix), idx_images(12, 4, 3));
  write(dir.file("train-labels-idx1-ubyte" + suffix), idx_labels(12));
  write(dir.file("t10k-images-idx3-ubyte" + suffix), idx_images(5, 4, 3));
  write(dir.file("t10k-labels-idx1-ubyte" + suffix), idx_labels(5, 3));
}

// CIFAR records: label (i + offset) mod 10, pixel p = (i + p) mod 256.
Bytes cifar_records(std::size_t count, std::size_t offset) {
  Bytes bytes;
  for (std::size_t i = 0; i < count; ++i) {
    bytes.push_back(std::uint8_t((i + offset) % 10));
    for (std::size_t p = 0; p < 3072; ++p) bytes.push_back(std::uint8_t((i + p) % 256));
  }
  return bytes;
}

void write_cifar_set(const TempDir& dir) {
  for (int b = 1; b <= 5; ++b) write_raw(dir.file("data_batch_" + std::to_string(b) + ".bin"), cifar_records(2, std::size_t(b)));
  write_raw(dir.file("test_batch.bin"), cifar_records(3, 0));
}

}  // namespace

TEST_CASE("IDX files load gzipped and raw with the same contents") {
  for (bool gz : {true, false}) {
    INFO("gz " << gz);
    TempDir dir;
    write_idx_set(dir, gz);
    const Dataset data = make_dataset("mnist:path=" + dir.path, 0);
    CHECK(data.sample_shape == Shape{1, 4, 3});
    CHECK(data.num_classes == 10);
    REQUIRE(data.train.size() == 12);
    REQUIRE(data.test.size() == 5);
    CHECK(data.train.x(3, 0, 1, 2) == Approx(float((3 * 7 + 5) % 256) / 255.0f).epsilon(1e-7));
    CHECK(data.train.labels[11] == 1);
    CHECK(data.test.labels[0] == 3);
    CHECK(data.test.x(4, 0, 0, 0) == Approx(28.0f / 255.0f).epsilon(1e-7));

    const Dataset subset = make_dataset("fashion_mnist:path=" + dir.path + ",train=4,test=2", 0);
    CHECK(subset.train.size() == 4);
    CHECK(subset.test.size() == 2);
    CHECK(subset.description.find("Fashion-MNIST") != std::string::npos);
    CHECK_THROWS_WITH(make_dataset("mnist:path=" + dir.path + ",train=13", 0), Catch::Contains("exceeds the 12"));
  }
}

TEST_CASE("t10k files alone are split 8000/2000 by seed") {
  TempDir dir;
  write_gz(dir.file("t10k-images-idx3-ubyte.gz"), idx_images(20, 2, 2));
  write_gz(dir.file("t10k-labels-idx1-ubyte.gz"), idx_labels(20));
  const Dataset a = make_dataset("mnist:path=" + dir.path, 1), b = make_dataset("mnist:path=" + dir.path, 2);
  REQUIRE(a.train.size() == 16);
  REQUIRE(a.test.size() == 4);
  CHECK(a.description.find("t10k") != std::string::npos);
  CHECK(a.description.find("16 train / 4 test") != std::string::npos);
  // Every image appears exactly once across the two splits (pixel 0 identifies image i: 7i mod 256).
  std::vector<int> seen(20, 0);
  for (const Split* split : {&a.train, &a.test})
    for (std::size_t i = 0; i < split->size(); ++i) {
      const int id = int(std::lround(split->x(i, 0, 0, 0) * 255.0f)) / 7;
      ++seen[std::size_t(id)];
      CHECK(split->labels[i] == id % 10);  // labels follow their images
    }
  CHECK(std::count(seen.begin(), seen.end(), 1) == 20);
  CHECK_FALSE(std::equal(a.train.labels.begin(), a.train.labels.end(), b.train.labels.begin()));
  CHECK(make_dataset("mnist:path=" + dir.path, 1).train.labels == a.train.labels);
  CHECK_NOTHROW(validate_dataset_spec("fashion_mnist:path=" + dir.path));
}

TEST_CASE("training files without the t10k files are refused") {
  TempDir dir;
  write_raw(dir.file("train-images-idx3-ubyte"), idx_images(3, 2, 2));
  write_raw(dir.file("train-labels-idx1-ubyte"), idx_labels(3));
  CHECK_THROWS_WITH(validate_dataset_spec("mnist:path=" + dir.path),
                    Catch::Contains("t10k-images-idx3-ubyte") && Catch::Contains("training files alone"));
}

TEST_CASE("corrupt IDX files are InputErrors naming the file and the problem") {
  auto expect_error = [](const std::function<void(const TempDir&)>& corrupt, const std::string& file,
                         const std::string& problem) {
    TempDir dir;
    write_idx_set(dir, true);
    corrupt(dir);
    INFO(file << ": " << problem);
    CHECK_THROWS_AS(make_dataset("mnist:path=" + dir.path, 0), InputError);
    CHECK_THROWS_WITH(make_dataset("mnist:path=" + dir.path, 0), Catch::Contains(file) && Catch::Contains(problem));
  };
  expect_error([](const TempDir& d) { write_gz(d.file("train-images-idx3-ubyte.gz"), idx_images(12, 4, 3, 0x801)); },
               "train-images-idx3-ubyte.gz", "wrong magic number");
  expect_error([](const TempDir& d) { write_gz(d.file("t10k-labels-idx1-ubyte.gz"), idx_labels(5, 0, 0x803)); },
               "t10k-labels-idx1-ubyte.gz", "wrong magic number");
  expect_error(
      [](const TempDir& d) {
        Bytes bytes = idx_images(12, 4, 3);
        bytes.resize(bytes.size() - 5);
        write_gz(d.file("train-images-idx3-ubyte.gz"), bytes);
      },
      "train-images-idx3-ubyte.gz", "truncated");
  expect_error(
      [](const TempDir& d) {
        Bytes bytes = idx_images(12, 4, 3);
        bytes.resize(10);
        write_gz(d.file("train-images-idx3-ubyte.gz"), bytes);
      },
      "train-images-idx3-ubyte.gz", "header");
  expect_error(
      [](const TempDir& d) {
        // A gzip stream cut off in the middle.
        Bytes bytes = read_raw(d.file("train-images-idx3-ubyte.gz"));
        bytes.resize(bytes.size() / 2);
        write_raw(d.file("train-images-idx3-ubyte.gz"), bytes);
      },
      "train-images-idx3-ubyte.gz", "gzip");
  expect_error([](const TempDir& d) { write_gz(d.file("train-labels-idx1-ubyte.gz"), idx_labels(11)); },
               "train-labels-idx1-ubyte.gz", "11 labels");
  expect_error(
      [](const TempDir& d) {
        Bytes bytes = idx_labels(12);
        bytes[8 + 4] = 10;
        write_gz(d.file("train-labels-idx1-ubyte.gz"), bytes);
      },
      "train-labels-idx1-ubyte.gz", "bad label 10 at index 4");
  expect_error([](const TempDir& d) { std::filesystem::remove(d.file("train-labels-idx1-ubyte.gz")); },
               "train-labels-idx1", "missing");
  expect_error(
      [](const TempDir& d) {
        std::filesystem::remove(d.file("t10k-labels-idx1-ubyte.gz"));
        std::filesystem::remove(d.file("t10k-images-idx3-ubyte.gz"));
      },
      "t10k-images-idx3-ubyte", "no t10k");
}

TEST_CASE("CIFAR-10 batches load, and bad ones are InputErrors naming the file") {
  TempDir dir;
  write_cifar_set(dir);
  const Dataset data = make_dataset("cifar10:path=" + dir.path, 0);
  CHECK(data.sample_shape == Shape{3, 32, 32});
  REQUIRE(data.train.size() == 10);
  REQUIRE(data.test.size() == 3);
  CHECK(data.train.labels[0] == 1);  // batch 1, record 0
  CHECK(data.train.labels[9] == 6);  // batch 5, record 1
  // Channel-major storage: record 1 of test_batch, channel 2, row 3, column 4 is byte 1 + 2*1024 + 3*32 + 4.
  CHECK(data.test.x(1, 2, 3, 4) == Approx(float((1 + 2 * 1024 + 3 * 32 + 4) % 256) / 255.0f).epsilon(1e-7));
  CHECK(make_dataset("cifar10:path=" + dir.path + ",train=3,test=1", 0).train.size() == 3);
  CHECK_THROWS_WITH(make_dataset("cifar10:path=" + dir.path + ",test=4", 0), Catch::Contains("exceeds the 3"));

  Bytes truncated = cifar_records(2, 0);
  truncated.pop_back();
  write_raw(dir.file("data_batch_3.bin"), truncated);
  CHECK_THROWS_WITH(make_dataset("cifar10:path=" + dir.path, 0),
                    Catch::Contains("data_batch_3.bin") && Catch::Contains("wrong length"));
  Bytes bad_label = cifar_records(2, 0);
  bad_label[3073] = 11;
  write_raw(dir.file("data_batch_3.bin"), bad_label);
  CHECK_THROWS_WITH(make_dataset("cifar10:path=" + dir.path, 0),
                    Catch::Contains("data_batch_3.bin") && Catch::Contains("bad label 11 in record 1"));
  std::filesystem::remove(dir.file("test_batch.bin"));
  CHECK_THROWS_WITH(validate_dataset_spec("cifar10:path=" + dir.path), Catch::Contains("test_batch.bin is missing"));
}

TEST_CASE("the real MNIST test split, when present, loads as 8000/2000") {
  const std::string dir = std::string(NORMLAB_SOURCE_DIR) + "/../shared/data/mnist";
  if (!std::filesystem::exists(dir + "/t10k-images-idx3-ubyte.gz")) {
    WARN("SKIP: no MNIST files in " << dir);
    return;
  }
  const Dataset data = make_dataset("mnist:path=" + dir, 1);
  CHECK(data.sample_shape == Shape{1, 28, 28});
  REQUIRE(data.train.size() == 8000);
  REQUIRE(data.test.size() == 2000);
  std::vector<std::size_t> counts(10, 0);
  for (auto label : data.train.labels) ++counts[std::size_t(label)];
  for (auto count : counts) CHECK(count > 600);  // every digit is well represented
  double sum = 0;
  for (float v : data.train.x) sum += v;
  CHECK(sum / double(data.train.x.size()) == Approx(0.1325).margin(0.005));  // MNIST's known mean intensity
}
