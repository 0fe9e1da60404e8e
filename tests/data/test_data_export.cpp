// `normlab data`: the exported file holds exactly the samples a run with the same spec and seed
// trains and evaluates on, and an existing file is never replaced.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>

#include "apply/run_normlab.hpp"
#include "experiments/checkpoint/tensor_codec.hpp"
#include "experiments/data/make_dataset.hpp"
#include "norms/core/safetensors.hpp"

namespace normlab::testing {

namespace {

void check_split(const SafetensorsFile& file, const std::string& path, const std::string& name,
                 const Split& split) {
  const SafeTensor& x = require_tensor(file, path, name + ".x");
  CHECK(x.dtype == SafeDtype::F32);
  CHECK(x.shape == std::vector<std::size_t>(split.x.shape().begin(), split.x.shape().end()));
  REQUIRE(x.bytes.size() == split.x.size() * sizeof(float));
  CHECK(std::memcmp(x.bytes.data(), split.x.data(), x.bytes.size()) == 0);  // bit for bit
  const std::vector<std::int64_t> labels = decode_i64(require_tensor(file, path, name + ".labels"), path);
  CHECK(labels == std::vector<std::int64_t>(split.labels.begin(), split.labels.end()));
}

}  // namespace

TEST_CASE("normlab data writes the splits a run sees, bit for bit, with their metadata") {
  const TempDir dir;
  const std::string spec = "glyphs:train=40,test=12", path = dir / "glyphs.safetensors";
  const RunResult r = run_normlab({"data", spec, "--seed", "3", "--out", path}, dir);
  INFO(r.command << "\n" << r.err);
  REQUIRE(r.exit_code == 0);

  const Dataset expected = make_dataset(spec, 3);
  const SafetensorsFile file = read_safetensors(path);
  check_split(file, path, "train", expected.train);
  check_split(file, path, "test", expected.test);
  CHECK(file.meta("spec") == spec);
  CHECK(file.meta("seed") == "3");
  CHECK(file.meta("num_classes") == "10");
  CHECK(file.meta("sample_shape") == "1,28,28");

  // Another seed is other data: the seed really reaches the generator.
  const Dataset other = make_dataset(spec, 4);
  CHECK(std::memcmp(other.train.x.data(), expected.train.x.data(), expected.train.x.size() * sizeof(float)) !=
        0);
}

TEST_CASE("normlab data never replaces a file and rejects bad specs with exit 2") {
  const TempDir dir;
  const std::string path = dir / "mine.safetensors";
  std::ofstream(path) << "a user's file";
  RunResult r = run_normlab({"data", "glyphs:train=4,test=4", "--out", path}, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("exists") != std::string::npos);
  CHECK(read_text(path) == "a user's file");

  r = run_normlab({"data", "nonsense", "--out", dir / "x.safetensors"}, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown dataset 'nonsense'") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "x.safetensors"));

  r = run_normlab({"data", "glyphs"}, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--out") != std::string::npos);
}

}  // namespace normlab::testing
