#include "experiments/harness/csv.hpp"

#include <fstream>
#include <sstream>

#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"

namespace normlab {

std::string csv_field(const std::string& field) {
  const bool needs_quotes = field.find_first_of(",\"\r\n") != std::string::npos ||
                            (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!needs_quotes) return field;
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
  return out + "\n";
}

std::size_t CsvTable::column(const std::string& name, const std::string& file) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw InputError(file + ": no column '" + name + "'; columns: " + join(header, ", "));
}

CsvTable parse_csv(const std::string& text, const std::string& file) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.push_back(field);
      records.push_back(record);
      record.clear();
      field.clear();
      field_started = false;
      ++line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) throw InputError(file + ": unterminated quoted field at line " + std::to_string(line));
  if (field_started || !record.empty()) {
    record.push_back(field);
    records.push_back(record);
  }
  CsvTable table;
  if (records.empty()) throw InputError(file + ": empty file; expected a header row");
  table.header = records[0];
  for (std::size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != table.header.size())
      throw InputError(file + ": row " + std::to_string(r + 1) + " has " + std::to_string(records[r].size()) +
                       " fields; the header has " + std::to_string(table.header.size()));
    table.rows.push_back(std::move(records[r]));
  }
  return table;
}

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read (is this a results directory of normlab run?)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_csv(text.str(), path);
}

}  // namespace normlab
