#include "fstore/partition_maintenance.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>

#include "core/error.hpp"

namespace usdcop::fstore {

MaintenancePlan plan_maintenance(const std::vector<Date>& existing, Date today, int ahead_days,
                                 int retention_days) {
  MaintenancePlan plan;
  const std::set<Date> have(existing.begin(), existing.end());
  for (int i = 0; i <= ahead_days; ++i) {
    const Date d = today + std::chrono::days(i);
    if (!have.contains(d)) plan.create.push_back(d);
  }
  const Date horizon = today - std::chrono::days(retention_days);
  for (const Date d : have)
    if (d < horizon) plan.retire.push_back(d);
  return plan;
}

namespace {

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string exact(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void write_file_durably(const std::filesystem::path& path, const std::string& content) {
  const auto tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw Error(ErrorKind::unavailable, "cannot write export file " + tmp);
  std::size_t off = 0;
  while (off < content.size()) {
    const auto n = ::write(fd, content.data() + off, content.size() - off);
    if (n <= 0) {
      ::close(fd);
      throw Error(ErrorKind::unavailable, "cannot write export file " + tmp);
    }
    off += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) throw Error(ErrorKind::unavailable, "cannot fsync export file " + tmp);
  std::filesystem::rename(tmp, path);
}

// Splits one CSV line with "..." quoting ("" inside quotes).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace

std::vector<std::filesystem::path> write_day_export(const std::filesystem::path& root, Date day,
                                                    const std::vector<FeaturePoint>& rows,
                                                    const std::string& tag) {
  std::map<std::string, std::string> by_feature;
  for (const auto& p : rows) {
    auto& out = by_feature[p.feature_id];
    if (out.empty()) out = "feature_id,ts,value,confidence,meta,evidence\n";
    out += p.feature_id + ',' + format_rfc3339(p.ts) + ',' + exact(p.value) + ',' +
           exact(p.confidence) + ',' + csv_quote(p.meta.dump()) + ',' +
           csv_quote(evidence_to_json(p.evidence).dump()) + '\n';
  }
  std::vector<std::filesystem::path> files;
  for (const auto& [feature, content] : by_feature) {
    const auto dir = root / feature / ("dt=" + format_date(day));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(ErrorKind::unavailable, "cannot create export directory " + dir.string());
    const auto file = dir / ("part-" + tag + ".csv");
    write_file_durably(file, content);
    files.push_back(file);
  }
  return files;
}

std::vector<FeaturePoint> read_export_file(const std::filesystem::path& f) {
  std::vector<FeaturePoint> out;
  std::ifstream in(f);
  if (!in) throw Error(ErrorKind::not_found, "export file " + f.string() + " cannot be read");
  std::string line;
  std::getline(in, line);  // header
  long n = 1;
  while (std::getline(in, line)) {
    ++n;
    const auto fields = split_csv(line);
    const auto where = f.string() + " line " + std::to_string(n);
    if (fields.size() != 6) throw Error(ErrorKind::invalid_input, where + ": expected 6 fields");
    FeaturePoint p;
    p.feature_id = fields[0];
    p.ts = parse_timestamp_or_throw(fields[1], where + " ts");
    try {
      p.value = std::stod(fields[2]);
      p.confidence = std::stod(fields[3]);
      p.meta = nlohmann::json::parse(fields[4]);
      p.evidence = evidence_from_json(nlohmann::json::parse(fields[5]));
    } catch (const std::exception& e) {
      throw Error(ErrorKind::invalid_input, where + ": " + e.what());
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<FeaturePoint> read_day_export(const std::filesystem::path& root, Date day) {
  std::vector<FeaturePoint> out;
  if (!std::filesystem::exists(root)) return out;
  const std::string dir_name = "dt=" + format_date(day);
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".csv" &&
        e.path().parent_path().filename() == dir_name)
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto part = read_export_file(f);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

}  // namespace usdcop::fstore

namespace usdcop::fstore {

nlohmann::json MaintenanceReport::to_json() const {
  nlohmann::json c = nlohmann::json::array(), r = nlohmann::json::array();
  for (const auto d : created) c.push_back(format_date(d));
  for (const auto& d : retired) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : d.files) files.push_back(f.string());
    r.push_back({{"day", format_date(d.day)}, {"rows", d.rows}, {"files", files}});
  }
  return {{"created", c}, {"retired", r}, {"partitions", partitions_after}};
}

namespace {

bool same_rows(const std::vector<FeaturePoint>& a, const std::vector<FeaturePoint>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].feature_id != b[i].feature_id || a[i].ts != b[i].ts || a[i].value != b[i].value ||
        a[i].confidence != b[i].confidence || a[i].meta != b[i].meta)
      return false;
  return true;
}

}  // namespace

MaintenanceReport maintain_partitions(FeatureRepository& repo, Date today,
                                      const MaintenanceOptions& options) {
  MaintenanceReport report;
  const auto plan =
      plan_maintenance(repo.day_partitions(), today, options.ahead_days, options.retention_days);
  for (const auto d : plan.create)
    if (repo.create_day_partition(d)) report.created.push_back(d);
  const std::string tag =
      options.tag.empty() ? std::to_string(to_unix_seconds(now_utc())) : options.tag;
  for (const auto d : plan.retire) {
    RetiredDay retired;
    retired.day = d;
    retired.rows = repo.export_and_drop_day(d, [&](const std::vector<FeaturePoint>& rows) {
      retired.files = write_day_export(options.export_dir, d, rows, tag);
      // Verify: the files of this run hold exactly the rows about to be dropped.
      std::vector<FeaturePoint> back;
      for (const auto& f : retired.files) {
        auto part = read_export_file(f);
        back.insert(back.end(), part.begin(), part.end());
      }
      if (!same_rows(rows, back))
        throw Error(ErrorKind::integrity, "export of " + format_date(d) +
                                              " does not read back as the partition's rows; "
                                              "the partition is kept");
    });
    report.retired.push_back(std::move(retired));
  }
  report.partitions_after = static_cast<long>(repo.day_partitions().size());
  return report;
}

}  // namespace usdcop::fstore
