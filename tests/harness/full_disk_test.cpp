// A full disk while a sweep writes its results (a small tmpfs, mounted where the machine allows
// it: as root, as CI runs): exit 1 with a message naming the problem, every finished run of an
// earlier sweep intact, and tables that are a consistent view (each file whole, runs.csv naming
// only runs whose rows are in the other two), never a torn or mixed set.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>

#include <sys/mount.h>
#include <unistd.h>

#include "experiments/harness/csv.hpp"
#include "harness/harness_test_util.hpp"
#include "harness/process_util.hpp"

namespace fs = std::filesystem;
using namespace normlab;
using namespace normlab::test;

namespace {

const std::string kQuickstart = std::string(NORMLAB_SOURCE_DIR) + "/experiments/configs/quickstart.toml";

// A tmpfs of `kib` KiB at dir, unmounted when the object dies.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, int kib) : dir_(dir) {
    fs::create_directories(dir);
    const std::string options = "size=" + std::to_string(kib) + "k";
    mounted_ = ::geteuid() == 0 && ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount(dir_.c_str());
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

std::map<std::string, std::string> run_files(const std::string& store) {
  std::map<std::string, std::string> files;
  for (const auto& run : fs::directory_iterator(store + "/.runs"))
    for (const auto& file : fs::directory_iterator(run.path())) files[file.path().string()] = slurp(file.path().string());
  return files;
}

}  // namespace

TEST_CASE("a full disk stops the sweep with exit 1 and loses nothing already written") {
  TempDir dir("fulldisk");
  SmallDisk disk(dir / "disk", 300);
  if (!disk.mounted()) {
    WARN("skipped: cannot mount a small tmpfs here (needs root)");
    return;
  }
  const std::string store = dir / "disk/s";
  const Outcome first = run_normlab({"run", kQuickstart, "--quick", "--set", "steps=4", "--out", store}, dir.path());
  INFO(first.err);
  REQUIRE(first.status == 0);
  const auto before = run_files(store);
  REQUIRE(before.size() == 60);  // 10 runs of 6 files

  // The same sweep with more steps: 10 new runs, which do not fit on the disk.
  const Outcome second = run_normlab({"run", kQuickstart, "--quick", "--set", "steps=5", "--out", store}, dir.path());
  CHECK(second.status == 1);
  CHECK_THAT(second.err, Catch::Contains("normlab run: failed: ") && Catch::Contains("No space left on device"));
  CHECK(std::count(second.err.begin(), second.err.end(), '\n') == 1);

  // Every finished run of the first sweep is intact, byte for byte.
  const auto after = run_files(store);
  for (const auto& [path, text] : before) {
    INFO(path);
    REQUIRE(after.count(path) == 1);
    CHECK(after.at(path) == text);
  }
  // The tables are whole files and a consistent view: runs.csv names only runs whose curves are there.
  const CsvTable runs = read_csv(store + "/runs.csv");
  const CsvTable curves = read_csv(store + "/curves.csv");
  std::set<std::string> with_curves;
  for (const auto& row : curves.rows) with_curves.insert(row.at(0));
  for (const auto& row : runs.rows) CHECK(with_curves.count(row.at(0)) == 1);
  for (const auto& entry : fs::directory_iterator(store)) {
    const std::string name = entry.path().filename().string();
    CHECK(name.find(".tmp.") == std::string::npos);  // no temporary file left behind
  }
}
