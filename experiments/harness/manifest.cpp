#include "experiments/harness/manifest.hpp"

#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include <sys/utsname.h>
#include <unistd.h>

#include <boost/version.hpp>
#include <cblas.h>
#include <fmt/format.h>
#include <toml++/toml.h>
#include <xtensor/xtensor_config.hpp>

#include "experiments/harness/atomic_file.hpp"
#include "experiments/harness/config_value.hpp"
#include "experiments/harness/run_identity.hpp"
#include "experiments/harness/shell_quote.hpp"

#ifndef NORMLAB_SOURCE_DIR
#define NORMLAB_SOURCE_DIR "."
#endif
#ifndef NORMLAB_CXX_FLAGS
#define NORMLAB_CXX_FLAGS ""
#endif
#ifndef NORMLAB_BUILD_TYPE
#define NORMLAB_BUILD_TYPE ""
#endif

namespace normlab {

namespace {

// The output of a shell command (stderr discarded), or "" when it fails.
std::string command_output(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>/dev/null").c_str(), "r"), pclose);
  if (!pipe) return "";
  std::string out;
  std::array<char, 256> buffer;
  while (fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// A git pathspec excluding out_dir when it lies inside the source tree, else "". Without it a
// sweep writing into the tree (results/<preset>/) would always report its own output as a
// modification of the source.
std::string exclude_output_pathspec(const std::string& source, const std::string& out_dir) {
  if (out_dir.empty()) return "";
  std::error_code ec;
  const auto root = std::filesystem::weakly_canonical(source, ec);
  if (ec) return "";
  const auto out = std::filesystem::weakly_canonical(out_dir, ec);
  if (ec) return "";
  const auto relative = out.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") return "";
  return " -- . " + shell_quote(":(exclude)" + relative.generic_string());
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + json_string(items[i]);
  return out + "]";
}

}  // namespace

std::string utc_now_iso() { return utc_iso(std::time(nullptr)); }

std::string utc_iso(std::time_t time) {
  std::tm tm{};
  gmtime_r(&time, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string manifest_json(const SweepConfig& config, const RunPlan& plan, const SweepRecord& record) {
  const std::string source = NORMLAB_SOURCE_DIR;
  const std::string git = "git -C " + shell_quote(source);
  const std::string commit = command_output(git + " rev-parse HEAD");
  const std::string dirty = commit.empty() ? "null"
                            : command_output(git + " status --porcelain --untracked-files=no" +
                                             exclude_output_pathspec(source, record.out_dir))
                                      .empty()
                                ? "false"
                                : "true";
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  utsname os{};
  uname(&os);

  std::string j = "{\n";
  j += "  \"normlab_version\": \"0.2.0\",\n";
  j += "  \"result_version\": " + std::to_string(kResultVersion) + ",\n";
  j += "  \"name\": " + json_string(config.name) + ",\n";
  j += "  \"description\": " + json_string(config.description) + ",\n";
  j += "  \"state\": " + json_string(record.state) + ",\n";
  j += "  \"command_line\": " + json_string(record.command_line) + ",\n";
  j += "  \"config_file\": " + json_string(config.file) + ",\n";
  j += "  \"config_text\": " + json_string(config.file_text) + ",\n";
  j += "  \"quick\": " + std::string(config.quick ? "true" : "false") + ",\n";
  j += "  \"set\": " + json_list(config.sets) + ",\n";
  j += "  \"shard\": " + (record.shard.empty() ? std::string("null") : json_string(record.shard)) + ",\n";
  j += "  \"config\": {";
  for (std::size_t a = 0; a < config.axes.size(); ++a) {
    const auto& axis = config.axes[a];
    j += std::string(a ? "," : "") + "\n    " + json_string(axis.key) + ": ";
    if (axis.values.size() == 1 && !axis.listed) {
      j += axis.values[0].json();
      continue;
    }
    j += "[";
    for (std::size_t v = 0; v < axis.values.size(); ++v) j += (v ? ", " : "") + axis.values[v].json();
    j += "]";
  }
  j += "\n  },\n";
  j += "  \"axes\": [";
  bool first_axis = true;
  for (const auto& axis : config.axes)
    if (axis.values.size() > 1) j += (first_axis ? "" : ", ") + json_string(axis.key), first_axis = false;
  j += "],\n";
  j += "  \"columns\": " + json_list(plan.columns) + ",\n";
  j += "  \"runs\": [";
  for (std::size_t r = 0; r < plan.runs.size(); ++r) {
    const auto& run = plan.runs[r];
    j += std::string(r ? "," : "") + "\n    {\"run_id\": " + json_string(run.id) + ", \"label\": " + json_string(run.label);
    for (std::size_t c = 0; c < plan.columns.size(); ++c)
      j += ", " + json_string(plan.columns[c]) + ": " + json_string(run.column_values[c]);
    j += "}";
  }
  j += "\n  ],\n";
  j += "  \"view\": {\"id\": " + json_string(record.view_id) + ", \"selected\": " + std::to_string(plan.runs.size()) +
       ", \"done\": " + std::to_string(record.done) + "},\n";
  j += "  \"results\": {\"runs\": " + std::to_string(plan.runs.size()) + ", \"ok\": " + std::to_string(record.ok) +
       ", \"diverged\": " + std::to_string(record.diverged) + ", \"failed\": " + std::to_string(record.failed) +
       "},\n";
  j += "  \"jobs\": " + std::to_string(record.jobs) + ",\n";
  j += "  \"start_time\": " + json_string(record.start_time) + ",\n";
  j += "  \"end_time\": " + (record.end_time.empty() ? std::string("null") : json_string(record.end_time)) + ",\n";
  j += "  \"git\": {\"source_dir\": " + json_string(source) +
       ", \"commit\": " + (commit.empty() ? std::string("null") : json_string(commit)) + ", \"dirty\": " + dirty + "},\n";
  j += "  \"build\": {\"compiler\": " + json_string(std::string("g++ ") + __VERSION__) +
       ", \"build_type\": " + json_string(NORMLAB_BUILD_TYPE) + ", \"flags\": " + json_string(NORMLAB_CXX_FLAGS) +
       ", \"cxx_standard\": " + std::to_string(__cplusplus) + "},\n";
  j += "  \"libraries\": {";
  j += "\"xtensor\": " + json_string(fmt::format("{}.{}.{}", XTENSOR_VERSION_MAJOR, XTENSOR_VERSION_MINOR,
                                                   XTENSOR_VERSION_PATCH));
  j += ", \"openblas\": " + json_string(openblas_get_config());
  j += ", \"boost\": " + json_string(fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                                                 BOOST_VERSION % 100));
  j += ", \"fmt\": " + json_string(fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
                                               FMT_VERSION % 100));
  j += ", \"tomlplusplus\": " + json_string(fmt::format("{}.{}.{}", TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH));
  j += "},\n";
  j += "  \"host\": {\"name\": " + json_string(host) + ", \"os\": " +
       json_string(std::string(os.sysname) + " " + os.release + " " + os.machine) +
       ", \"cores\": " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + "}\n";
  j += "}\n";
  return j;
}

}  // namespace normlab
