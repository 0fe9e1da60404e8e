// The sequence data sets: text:path=FILE (vocabulary from the training part, the split by
// position, windows and their next-character labels, deterministic sampling, UTF-8 and bytes,
// gzip, bad files) and the markov task; bad files through `normlab run` as configuration errors
// (exit 2, one line naming the file).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "apply/run_normlab.hpp"
#include "data/hostile_files.hpp"
#include "experiments/data/batcher.hpp"
#include "experiments/data/make_dataset.hpp"
#include "experiments/data/text_dataset.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

std::string write_text(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// The characters of a window of `split` as ids, and its labels.
std::vector<std::int32_t> window(const Split& split, std::size_t i,
                                 std::vector<std::int32_t>* labels = nullptr) {
  Tensor<float> x;
  std::vector<std::int32_t> l;
  copy_range(split, i, 1, x, l);
  if (labels) *labels = l;
  return std::vector<std::int32_t>(x.data(), x.data() + x.size());
}

}  // namespace

TEST_CASE("text: vocabulary from the training part in code point order, split by position") {
  TempDir dir;
  // 20 characters: the first 18 train (train_fraction 0.9), the last 2 validate.
  const std::string path = write_text(dir, "t.txt", "abcabcabcabcabcabcza");
  const Dataset data = make_dataset("text:path=" + path + ",context=1", 0);
  CHECK(data.num_classes == 4);  // a, b, c and one unknown id for z (not in the training part)
  CHECK(data.sample_shape == Shape{1});
  CHECK(data.train.tokens.size() == 18);
  CHECK(data.test.tokens.size() == 2);
  CHECK(data.train.size() == 17);  // windows of 2 at every offset
  CHECK(data.test.size() == 1);
  CHECK(data.test.tokens == std::vector<std::int32_t>{3, 0});  // z -> unknown, a -> 0
  std::vector<std::int32_t> labels;
  CHECK(window(data.train, 1, &labels) == std::vector<std::int32_t>{1});
  CHECK(labels == std::vector<std::int32_t>{2});  // after b comes c
  CHECK_THAT(data.description, Catch::Contains("+1 unknown"));

  const Dataset half = make_dataset("text:path=" + path + ",context=2,train_fraction=0.5", 0);
  CHECK(half.train.tokens.size() == 10);
  CHECK(half.test.size() == 4);  // 10 characters: non-overlapping windows of 2 at 0, 2, 4, 6 (8 needs 3)
  CHECK(window(half.test, 3) == std::vector<std::int32_t>{half.test.tokens[6], half.test.tokens[7]});
  // train=/test= limit the windows.
  const Dataset few = make_dataset("text:path=" + path + ",context=2,train_fraction=0.5,train=3,test=2", 0);
  CHECK(few.train.size() == 3);
  CHECK(few.test.size() == 2);
}

TEST_CASE("text: UTF-8 characters, bytes, and gzip") {
  TempDir dir;
  const std::string text = "h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80!";  // héllo 日本 😀!
  const std::string path = write_text(dir, "u.txt", text);
  const auto chars = read_characters(path, true);
  CHECK(chars == std::vector<std::int32_t>{'h', 0xE9, 'l', 'l', 'o', ' ', 0x65E5, 0x672C, ' ', 0x1F600, '!'});
  CHECK(read_characters(path, false).size() == text.size());
  const std::string gz = dir / "u.txt.gz";
  write_raw(gz, {});
  {
    std::ofstream out(gz, std::ios::binary);
    out << gzip_member(Bytes(text.begin(), text.end()));
  }
  CHECK(read_characters(gz, true) == chars);
  CHECK_THROWS_WITH(
      read_characters(write_text(dir, "bad.txt", "ok\xC0\xAFno"), true),
      Catch::Contains("bad.txt: not valid UTF-8 at byte 2") && Catch::Contains("encoding=bytes"));
  CHECK_THROWS_WITH(read_characters(write_text(dir, "sur.txt", "\xED\xA0\x80"), true),
                    Catch::Contains("UTF-8"));
}

TEST_CASE("text: the tiny-shakespeare copy in data/ splits as nanoGPT's") {
  const Dataset data = make_dataset(
      std::string("text:path=") + NORMLAB_SOURCE_DIR + "/data/tinyshakespeare/input.txt.gz,context=64", 0);
  CHECK(data.train.tokens.size() + data.test.tokens.size() == 1115394);
  CHECK(data.train.tokens.size() == 1003854);  // int(0.9 · n), nanoGPT's prepare.py
  CHECK(data.num_classes == 65);
  CHECK(data.test.size() == (111540 - 1) / 64);
}

TEST_CASE("text: training windows are shuffled from the seed; evaluation windows are fixed") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 500; ++i)
    text += char('a' + (i * 7) % 26);
  const std::string spec = "text:path=" + write_text(dir, "s.txt", text) + ",context=8";
  auto batches = [&](std::uint64_t seed) {
    const Dataset data = make_dataset(spec, seed);
    Batcher batcher(data.train, 4, true, seed);
    Tensor<float> x;
    std::vector<std::int32_t> labels;
    std::vector<float> all;
    for (int b = 0; b < 5; ++b) {
      batcher.next(x, labels);
      REQUIRE(x.shape()[0] == 4);
      REQUIRE(x.shape()[1] == 8);
      REQUIRE(labels.size() == 32);
      for (std::size_t r = 0; r < 4; ++r)  // each label is the next character of its window
        for (std::size_t t = 0; t + 1 < 8; ++t)
          CHECK(float(labels[r * 8 + t]) == x.data()[r * 8 + t + 1]);
      all.insert(all.end(), x.data(), x.data() + x.size());
    }
    return all;
  };
  CHECK(batches(3) == batches(3));
  CHECK(batches(3) != batches(4));
  const Dataset a = make_dataset(spec, 1), b = make_dataset(spec, 2);
  CHECK(a.test.tokens == b.test.tokens);
  CHECK(a.test.stride == 8);
}

TEST_CASE("text: bad files and contexts are one-line errors") {
  TempDir dir;
  CHECK_THROWS_WITH(make_dataset("text:path=" + write_text(dir, "e.txt", ""), 0),
                    Catch::Contains("e.txt: the text file is empty"));
  CHECK_THROWS_WITH(make_dataset("text:path=" + dir / "missing.txt", 0), Catch::Contains("no such file"));
  std::string garbage;
  for (int i = 0; i < 256; ++i)
    garbage += char(255 - i);
  CHECK_THROWS_WITH(make_dataset("text:path=" + write_text(dir, "g.bin", garbage), 0),
                    Catch::Contains("not valid UTF-8"));
  CHECK_NOTHROW(make_dataset("text:path=" + dir / "g.bin" + ",encoding=bytes,context=8", 0));
  const std::string path = write_text(dir, "short.txt", std::string(100, 'x'));
  CHECK_THROWS_WITH(make_dataset("text:path=" + path + ",context=10", 0),
                    Catch::Contains("context=10 needs windows of 11 characters") &&
                        Catch::Contains("10 validation characters"));
  CHECK_THROWS_WITH(make_dataset("text:path=" + path + ",context=0", 0), Catch::Contains("context"));
  CHECK_THROWS_WITH(make_dataset("text:path=" + path + ",train_fraction=1", 0),
                    Catch::Contains("train_fraction"));
  CHECK_THROWS_WITH(make_dataset("text:path=" + path + ",standardize=true", 0),
                    Catch::Contains("standardize"));
}

TEST_CASE("text: a gzip bomb is refused at the size limit, in bounded memory") {
  TempDir dir;
  const std::string path = dir / "bomb.txt.gz";
  write_gz_bomb(path, {}, Bytes(1 << 20, 'a'), (kMaxTextBytes >> 20) + 1);
  CHECK_THROWS_WITH(read_characters(path, true), Catch::Contains("bomb.txt.gz: longer than the 256 MiB"));
}

TEST_CASE("normlab run: bad text files are configuration errors (exit 2, one line)") {
  TempDir dir;
  std::string garbage;
  for (int i = 0; i < 256; ++i)
    garbage += char(255 - i);
  for (const auto& [data, expected] : std::vector<std::pair<std::string, std::string>>{
           {"text:path=" + write_text(dir, "e.txt", ""), "e.txt: the text file is empty"},
           {"text:path=" + write_text(dir, "g.bin", garbage), "g.bin: not valid UTF-8"},
           {"text:path=" + write_text(dir, "s.txt", std::string(300, 'y')) + ",context=64",
            "context=64 needs windows of 65"}}) {
    const std::string config = dir / "sweep.toml";
    std::ofstream(config)
        << "name = \"t\"\nmodel = \"transformer:layers=1,width=8,heads=2\"\nnorm = \"layer\"\n"
        << "data = \"" << data << "\"\nsteps = 1\nbatch_size = 2\n";
    const RunResult r = run_normlab({"run", config, "--out", dir / "out"}, dir);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find(expected) != std::string::npos);
  }
}

TEST_CASE("markov: windows of a seeded chain, with the chain's own loss stated") {
  const Dataset a = make_dataset("markov:context=8,symbols=5,branching=2,train=50,test=6", 1);
  const Dataset b = make_dataset("markov:context=8,symbols=5,branching=2,train=50,test=6", 1);
  const Dataset c = make_dataset("markov:context=8,symbols=5,branching=2,train=50,test=6", 2);
  CHECK(a.train.tokens == b.train.tokens);
  CHECK(a.train.tokens != c.train.tokens);
  CHECK(a.train.size() == 50);
  CHECK(a.test.size() == 6);
  CHECK(a.num_classes == 5);
  // Two successors per context: the chain's own loss is below log 2.
  const auto at = a.description.find("own validation loss ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stod(a.description.substr(at + 20)) < std::log(2.0));
  CHECK_THROWS_WITH(make_dataset("markov:symbols=3,branching=4", 0), Catch::Contains("branching"));
}
