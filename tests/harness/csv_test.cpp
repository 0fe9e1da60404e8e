// CSV quoting (pandas reads the files as they are) and deterministic number formatting.
#include <catch2/catch.hpp>

#include <cmath>

#include "experiments/harness/config_value.hpp"
#include "experiments/harness/csv.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

TEST_CASE("fields with commas, quotes or line breaks are quoted and read back unchanged") {
  const std::vector<std::string> fields = {"group:num_groups=8,eps=1e-5", "say \"hi\"", "two\nlines", "plain", "",
                                           " padded"};
  const std::string row = csv_row(fields);
  CHECK(row == "\"group:num_groups=8,eps=1e-5\",\"say \"\"hi\"\"\",\"two\nlines\",plain,,\" padded\"\n");
  const CsvTable table = parse_csv("a,b,c,d,e,f\n" + row, "t.csv");
  REQUIRE(table.rows.size() == 1);
  CHECK(table.rows[0] == fields);
  CHECK_THROWS_AS(parse_csv("a,b\n1\n", "t.csv"), InputError);
  CHECK_THROWS_AS(parse_csv("a\n\"open\n", "t.csv"), InputError);
}

TEST_CASE("numbers are written in the shortest form that reads back exactly") {
  CHECK(shortest_number(0.1) == "0.1");
  CHECK(shortest_number(1e-5) == "1e-05");
  CHECK(shortest_number(2.0) == "2");
  CHECK(shortest_number(1.0 / 3.0) == "0.3333333333333333");
  CHECK(std::stod(shortest_number(0.1f)) == double(0.1f));
  CHECK(shortest_number(std::nan("")) == "nan");
  CHECK(shortest_number(-INFINITY) == "-inf");
}
