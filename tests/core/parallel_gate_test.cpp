// parallel_for's check that a team would find its cores (norms/core/parallel.hpp): the verdict's
// arithmetic, and that it says no while other processes keep every core busy (which also shows
// that /proc/stat is read: without it the verdict is always yes).
#include <catch2/catch.hpp>

#include <csignal>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "norms/core/parallel.hpp"

using namespace normlab;

TEST_CASE("a team fits when the other processes leave threads - 1/2 cores") {
  CHECK(team_fits(2, 0.0, 2));
  CHECK(team_fits(2, 0.5, 2));
  CHECK_FALSE(team_fits(2, 0.6, 2));
  CHECK_FALSE(team_fits(2, 1.9, 2));
  CHECK(team_fits(2, 1.4, 1));  // one thread needs half a free core
  CHECK(team_fits(8, 4.0, 4));
  CHECK_FALSE(team_fits(8, 5.0, 4));
}

TEST_CASE("no team while other processes keep every core busy; AlwaysStartTeams overrides that") {
#ifdef __linux__
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  std::vector<pid_t> burners;
  for (long i = 0; i < cores; ++i) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0)
      for (volatile unsigned long spin = 0;; spin = spin + 1) {
      }
    burners.push_back(pid);
  }
  // Two whole sampling intervals of ~0.2 s with every core taken by the burners.
  for (int i = 0; i < 6; ++i) {
    spare_cores_for_team();
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
  }
  const bool spare = spare_cores_for_team();
  bool forced = false;
  {
    const AlwaysStartTeams teams;
    forced = spare_cores_for_team();
  }
  for (pid_t pid : burners) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  CHECK_FALSE(spare);
  CHECK(forced);
#endif
}
