#include "market/csv_source.hpp"

#include <zlib.h>

#include <fstream>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "market/bar_validation.hpp"

namespace usdcop::market {
namespace {

std::string gunzip(const std::string& compressed, const std::string& name) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw std::runtime_error("zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  out.resize(compressed.size() * 6 + 1024);
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.total_out >= out.size()) out.resize(out.size() * 2);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      inflateEnd(&zs);
      throw Error(ErrorKind::invalid_input, name + ": corrupt gzip data");
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      throw Error(ErrorKind::invalid_input, name + ": truncated gzip data");
    }
  }
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

std::string_view unquote(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// A header field without quotes and without the UTF-8 byte-order mark some editors put first.
std::string header_name(std::string_view field, size_t index) {
  std::string name(unquote(field));
  if (index == 0 && name.size() >= 3 && name.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    name.erase(0, 3);
    name = std::string(unquote(name));
  }
  return name;
}

std::map<std::string, size_t> header_index(const std::vector<std::string_view>& fields) {
  std::map<std::string, size_t> idx;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string name = header_name(fields[i], i);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    idx.emplace(name, i);
  }
  return idx;
}

}  // namespace

std::string read_text_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorKind::invalid_input, path.string() + " is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::not_found, "cannot open " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  if (data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
      static_cast<unsigned char>(data[1]) == 0x8b) {
    return gunzip(data, path.string());
  }
  return data;
}

void for_each_csv_line(
    std::string_view text,
    const std::function<void(long, std::string_view, const std::vector<std::string_view>&)>& fn) {
  std::vector<std::string_view> fields;
  long line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    // Lines end with LF, CRLF or a lone CR (classic Mac files): all three are accepted.
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (end < text.size() && text[end] == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
    ++line_no;
    if (line.empty()) continue;
    fields.clear();
    size_t start = 0;
    while (true) {
      const size_t comma = line.find(',', start);
      if (comma == std::string_view::npos) {
        fields.push_back(unquote(line.substr(start)));
        break;
      }
      fields.push_back(unquote(line.substr(start, comma - start)));
      start = comma + 1;
    }
    fn(line_no, line, fields);
  }
}

BarCsvColumns bar_csv_columns(const std::vector<std::string_view>& header, const std::string& where,
                              long line_no) {
  const auto idx = header_index(header);
  BarCsvColumns c;
  std::vector<std::string> missing;
  auto need = [&](const char* name, size_t& out) {
    auto it = idx.find(name);
    if (it == idx.end())
      missing.push_back(name);
    else
      out = it->second;
  };
  need("time", c.time);
  need("open", c.open);
  need("high", c.high);
  need("low", c.low);
  need("close", c.close);
  if (!missing.empty()) {
    std::string m;
    for (const auto& s : missing) m += (m.empty() ? "" : ", ") + s;
    throw Error(ErrorKind::invalid_input, where + ": header (line " + std::to_string(line_no) +
                                              ") lacks column(s) " + m +
                                              "; expected time,open,high,low,close[,volume]");
  }
  if (auto it = idx.find("volume"); it != idx.end()) c.volume = it->second;
  c.count = header.size();
  return c;
}

void add_bar_csv_line(BarImporter& importer, const BarCsvColumns& c, long line_no,
                      std::string_view line, const std::vector<std::string_view>& f) {
  if (f.size() != c.count) {
    importer.reject(
        line_no, line, reject_reason::kMalformed,
        "expected " + std::to_string(c.count) + " fields, found " + std::to_string(f.size()));
    return;
  }
  importer.add_text(line_no, line, f[c.time], f[c.open], f[c.high], f[c.low], f[c.close],
                    c.volume ? f[*c.volume] : std::string_view{});
}

void read_bar_csv(const std::filesystem::path& path, BarImporter& importer) {
  const std::string text = read_text_file(path);
  std::optional<BarCsvColumns> columns;
  for_each_csv_line(
      text, [&](long line_no, std::string_view line, const std::vector<std::string_view>& f) {
        if (!columns) {
          columns = bar_csv_columns(f, path.string(), line_no);
          return;
        }
        add_bar_csv_line(importer, *columns, line_no, line, f);
      });
  if (!columns) throw Error(ErrorKind::invalid_input, path.string() + ": empty file (no header)");
}

void read_macro_csv(const std::filesystem::path& path, const MacroCatalog& catalog,
                    MacroImporter& importer) {
  const std::string text = read_text_file(path);
  bool have_header = false;
  size_t c_date = 0, n_cols = 0;
  std::vector<std::pair<size_t, std::string>> columns;  // (index, variable)
  for_each_csv_line(
      text, [&](long line_no, std::string_view line, const std::vector<std::string_view>& f) {
        if (!have_header) {
          bool found_date = false;
          for (size_t i = 0; i < f.size(); ++i) {
            const std::string name = header_name(f[i], i);
            if (name == "fecha" || name == "date") {
              c_date = i;
              found_date = true;
            } else if (const auto* v = catalog.find_by_column(name)) {
              columns.emplace_back(i, v->name);
            } else {
              importer.note_unknown_column(name);
            }
          }
          if (!found_date) {
            throw Error(ErrorKind::invalid_input,
                        path.string() + ": header lacks the date column 'fecha'");
          }
          if (columns.empty()) {
            throw Error(ErrorKind::invalid_input,
                        path.string() + ": no column matches a catalog variable");
          }
          n_cols = f.size();
          have_header = true;
          return;
        }
        if (f.size() != n_cols) {
          importer.reject_line(
              line_no, line,
              "expected " + std::to_string(n_cols) + " fields, found " + std::to_string(f.size()));
          return;
        }
        for (const auto& [i, var] : columns) importer.add(var, f[c_date], f[i], line);
      });
  if (!have_header)
    throw Error(ErrorKind::invalid_input, path.string() + ": empty file (no header)");
}

}  // namespace usdcop::market
