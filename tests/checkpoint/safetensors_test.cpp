// The safetensors reader and writer: a round trip, the file read by Python with plain json and
// numpy, and every kind of bad file an InputError with one line naming the file and the problem.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "experiments/checkpoint/tensor_codec.hpp"
#include "harness/harness_test_util.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/safetensors.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

SafetensorsFile sample_file() {
  SafetensorsFile file;
  Tensor<float> weight = Tensor<float>::from_shape({2, 3});
  for (std::size_t i = 0; i < weight.size(); ++i)
    weight.data()[i] = float(i) * 0.1f - 0.25f;
  Tensor<float> scalar = Tensor<float>::from_shape({});
  scalar() = 3.5f;
  file.tensors.push_back(encode_tensor("0.weight", weight));
  file.tensors.push_back(encode_tensor("1.num_batches_tracked", scalar));
  file.tensors.push_back(encode_f64("records.value", {1.0 / 3.0, -2e-300, 12345.678901234567}));
  file.tensors.push_back(encode_i64("batcher.order", {5, -1, 9223372036854775807LL}));
  file.tensors.push_back(encode_i64("empty", {}));
  file.metadata = {{"format", "normlab.checkpoint"}, {"quote", "a \"b\"\\c\nd\te\x01 \xc3\xa9"}};
  return file;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      out += std::string("\\") + char(c);
    else if (c < 0x20)
      out += fmt::format("\\u{:04x}", unsigned(c));
    else
      out += char(c);
  }
  return out;
}

// The values of every tensor as the C++ side knows them, for the Python script.
std::string expected_json(const SafetensorsFile& file) {
  std::string tensors;
  for (const auto& t : file.tensors) {
    std::string values, shape;
    const std::size_t n = t.bytes.size() / safe_dtype_size(t.dtype);
    for (std::size_t i = 0; i < n; ++i) {
      const char* p = t.bytes.data() + i * safe_dtype_size(t.dtype);
      std::string v;
      if (t.dtype == SafeDtype::F32) {
        float f;
        std::memcpy(&f, p, 4);
        v = fmt::format("{:.9g}", f);
      } else if (t.dtype == SafeDtype::F64) {
        double d;
        std::memcpy(&d, p, 8);
        v = fmt::format("{:.17g}", d);
      } else {
        std::int64_t k;
        std::memcpy(&k, p, 8);
        v = std::to_string(k);
      }
      values += (i ? "," : "") + v;
    }
    for (std::size_t d : t.shape)
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    tensors += std::string(tensors.empty() ? "" : ",") + "\"" + t.name + "\":{\"dtype\":\"" +
               safe_dtype_name(t.dtype) + "\",\"shape\":[" + shape + "],\"values\":[" + values + "]}";
  }
  std::string metadata;
  for (const auto& [k, v] : file.metadata)
    metadata +=
        std::string(metadata.empty() ? "" : ",") + "\"" + json_escape(k) + "\":\"" + json_escape(v) + "\"";
  return "{\"tensors\":{" + tensors + "},\"metadata\":{" + metadata + "}}";
}

int run_python(const std::string& file, const std::string& expected, std::string& output) {
  const std::string command = "/usr/bin/python3 " + std::string(NORMLAB_TESTS_DIR) +
                              "/checkpoint/read_with_numpy.py '" + file + "' '" + expected + "' 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe))
    output += buffer;
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The InputError message of decoding `bytes`, or "" if it decoded.
std::string decode_error(const std::string& bytes) {
  try {
    decode_safetensors(bytes, "bad.safetensors");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string with_header(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

}  // namespace

TEST_CASE("safetensors: a written file reads back with every tensor, dtype, shape, byte and metadata") {
  const SafetensorsFile file = sample_file();
  const std::string bytes = encode_safetensors(file);
  std::uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  CHECK((8 + n) % 8 == 0);  // data 8-byte aligned
  const SafetensorsFile back = decode_safetensors(bytes, "x");
  REQUIRE(back.tensors.size() == file.tensors.size());
  for (std::size_t i = 0; i < file.tensors.size(); ++i) {
    INFO(file.tensors[i].name);
    CHECK(back.tensors[i].name == file.tensors[i].name);
    CHECK(back.tensors[i].dtype == file.tensors[i].dtype);
    CHECK(back.tensors[i].shape == file.tensors[i].shape);
    CHECK(back.tensors[i].bytes == file.tensors[i].bytes);
  }
  CHECK(back.meta("quote") == file.metadata[1].second);
  CHECK(back.meta("format") == "normlab.checkpoint");
  CHECK(back.meta("absent") == "");
}

TEST_CASE("safetensors: Python reads the file with json and numpy.frombuffer and finds the C++ values") {
  TempDir dir("safetensors");
  const SafetensorsFile file = sample_file();
  write_text(dir / "a.safetensors", encode_safetensors(file));
  write_text(dir / "a.json", expected_json(file));
  std::string output;
  CHECK(run_python(dir / "a.safetensors", dir / "a.json", output) == 0);
  CHECK(output == "");
  // The comparison can fail: one changed value is found.
  SafetensorsFile changed = file;
  changed.tensors[2] = encode_f64("records.value", {1.0 / 3.0, -2e-300, 12345.678901234});
  write_text(dir / "b.json", expected_json(changed));
  output.clear();
  CHECK(run_python(dir / "a.safetensors", dir / "b.json", output) == 1);
  CHECK_THAT(output, Catch::Contains("records.value"));
}

TEST_CASE("safetensors: every truncation of a file is an InputError naming the file, never a crash") {
  const std::string bytes = encode_safetensors(sample_file());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    INFO(size);
    const std::string message = decode_error(bytes.substr(0, size));
    REQUIRE(message != "");
    CHECK_THAT(message, Catch::StartsWith("bad.safetensors: not a valid safetensors file: "));
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(decode_error(bytes + "x") ==
        "bad.safetensors: not a valid safetensors file: 1 bytes after the last tensor");
}

TEST_CASE("safetensors: bad headers are InputErrors that say what is wrong") {
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  CHECK(decode_error(with_header(ok, std::string(8, '\0'))) == "");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}})", "dtype F16"},
      {R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
       "has 8 bytes but its dtype and shape need 12"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})",
       "ends at data byte 16 but the file holds 8"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", "bad data_offsets"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
       "overlaps"},
      {R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,8],"data_offsets":[0,8]}})", "too large"},
      {R"({"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}})",
       "integer out of range"},
      {R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", "not a fraction"},
      {R"({"a":{"dtype":"F32","shape":[2]}})", "lacks dtype, shape or data_offsets"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x)", "trailing characters"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
       "repeated tensor name"},
      {R"({"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "expected '\"'"},
      {R"([1,2])", "not a JSON object"},
      {"{\"a\xff", "unterminated string"},
  };
  for (const auto& [header, problem] : cases) {
    INFO(header);
    const std::string message = decode_error(with_header(header, std::string(8, '\0')));
    CHECK_THAT(message, Catch::StartsWith("bad.safetensors: not a valid safetensors file: "));
    CHECK_THAT(message, Catch::Contains(problem));
  }
  std::string huge(8, '\0');
  const std::uint64_t n = std::uint64_t(1) << 62;
  std::memcpy(huge.data(), &n, 8);
  CHECK_THAT(decode_error(huge + "{}"), Catch::Contains("over the 100 MB limit"));
  const std::uint64_t fifty = 50;
  std::memcpy(huge.data(), &fifty, 8);
  CHECK_THAT(decode_error(huge + "{}"), Catch::Contains("header length 50 exceeds the 2 bytes after it"));
}

TEST_CASE("safetensors: a missing file is an InputError naming it") {
  CHECK_THROWS_WITH(read_safetensors("/nonexistent/x.safetensors"),
                    "/nonexistent/x.safetensors: cannot open the file");
}
