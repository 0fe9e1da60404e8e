// CSV as pandas reads it by default (RFC 4180): fields that hold a comma, a quote, a line break
// or leading/trailing spaces are quoted, with quotes doubled. Spec strings such as
// "group:num_groups=8,eps=1e-5" need it.
#pragma once

#include <string>
#include <vector>

namespace normlab {

std::string csv_field(const std::string& field);
// The fields joined by commas, quoted as needed, with a final "\n".
std::string csv_row(const std::vector<std::string>& fields);

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // Index of a column; InputError naming `file` when absent.
  std::size_t column(const std::string& name, const std::string& file) const;
};

// Parses CSV text with a header row; InputError naming `file` on a malformed row.
CsvTable parse_csv(const std::string& text, const std::string& file);
CsvTable read_csv(const std::string& path);

}  // namespace normlab
