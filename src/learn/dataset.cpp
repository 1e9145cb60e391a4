#include "learn/dataset.hpp"

#include <cerrno>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/file_error.hpp"
#include "core/sha256.hpp"
#include "features/contract.hpp"

namespace usdcop::learn {
namespace {

static_assert(std::endian::native == std::endian::little, "dataset.bin is little-endian");
static_assert(features::kMarketFeatureCount == kMarketFeatures);
static_assert(features::kObservationSize == kObservationSize);
static_assert(features::kPositionIndex == kPositionSlot && features::kTimeIndex == kTimeSlot);

constexpr char kMagic[8] = {'U', 'S', 'D', 'C', 'O', 'P', 'D', 'S'};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(ErrorKind::not_found, p.string() + " does not exist");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  errno = 0;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) throw file_write_error(p.string(), errno, ErrorKind::internal);
}

std::vector<std::string> column_names() {
  std::vector<std::string> c = {"time_us", "close", "next_log_return"};
  for (int i = 0; i < features::kMarketFeatureCount; ++i)
    c.emplace_back(features::feature_names()[static_cast<std::size_t>(i)]);
  c.emplace_back("time_normalized");
  return c;
}

double column_value(const DatasetRow& r, std::size_t col) {
  if (col == 0) return static_cast<double>(r.time.time_since_epoch().count());
  if (col == 1) return r.close;
  if (col == 2) return r.next_log_return;
  if (col < 3 + features::kMarketFeatureCount) return r.market[col - 3];
  return r.time_normalized;
}

void set_column_value(DatasetRow& r, std::size_t col, double v) {
  if (col == 0)
    r.time = Timestamp(std::chrono::microseconds(static_cast<std::int64_t>(v)));
  else if (col == 1)
    r.close = v;
  else if (col == 2)
    r.next_log_return = v;
  else if (col < 3 + features::kMarketFeatureCount)
    r.market[col - 3] = v;
  else
    r.time_normalized = v;
}

}  // namespace

const DatasetSplit* Dataset::find(const std::string& name) const {
  for (const auto& s : splits)
    if (s.spec.name == name) return &s;
  return nullptr;
}

Dataset assemble_dataset(const ExperimentConfig& config, std::span<const features::FeatureRow> rows,
                         std::span<const market::Bar> bars) {
  Dataset ds;
  ds.experiment = config.experiment;
  ds.embargo_sessions = config.embargo_sessions;
  for (const auto& s : config.splits) ds.splits.push_back({s, {}});
  for (const char* reason : {"incomplete", "no_bar", "no_next_bar", "non_finite", "outside_splits"})
    ds.dropped[reason] = 0;
  // bars sorted by time; a feature row at t needs bar t and the next stored bar.
  std::size_t b = 0;
  for (const auto& fr : rows) {
    if (!fr.complete) {
      ++ds.dropped["incomplete"];
      continue;
    }
    while (b < bars.size() && bars[b].time < fr.time) ++b;
    if (b >= bars.size() || bars[b].time != fr.time) {
      ++ds.dropped["no_bar"];
      continue;
    }
    if (b + 1 >= bars.size()) {
      ++ds.dropped["no_next_bar"];
      continue;
    }
    DatasetRow row{fr.time, bars[b].close, std::log(bars[b + 1].close / bars[b].close), fr.market,
                   fr.time_normalized};
    const bool finite = std::isfinite(row.next_log_return) &&
                        std::all_of(row.market.begin(), row.market.end(),
                                    [](double x) { return std::isfinite(x); });
    if (!finite) {
      ++ds.dropped["non_finite"];
      continue;
    }
    const Date day = cot_date(fr.time);
    auto it = std::find_if(ds.splits.begin(), ds.splits.end(), [&](const DatasetSplit& s) {
      return day >= s.spec.start && day <= s.spec.end;
    });
    if (it == ds.splits.end()) {
      ++ds.dropped["outside_splits"];
      continue;
    }
    it->rows.push_back(row);
  }
  for (const auto& s : ds.splits) {
    if (s.rows.empty())
      throw Error(
          ErrorKind::invalid_input,
          "split '" + s.spec.name + "' (" + format_date(s.spec.start) + " .. " +
              format_date(s.spec.end) +
              ") has no complete feature rows with bars in the database: import bars and macro for "
              "those dates and run `usdcop features build`, or change the dates in the experiment "
              "config");
  }
  // Anti-leakage assertions (spec 03): strictly increasing split times.
  for (std::size_t i = 1; i < ds.splits.size(); ++i) {
    const auto& a = ds.splits[i - 1];
    const auto& c = ds.splits[i];
    if (!(a.rows.back().time < c.rows.front().time))
      throw Error(ErrorKind::internal,
                  "leakage: max(" + a.spec.name + ".time) >= min(" + c.spec.name + ".time)");
  }
  // Norm stats from the training split only.
  std::vector<std::array<double, features::kMarketFeatureCount>> train;
  train.reserve(ds.splits[0].rows.size());
  for (const auto& r : ds.splits[0].rows) train.push_back(r.market);
  ds.norm_stats =
      features::compute_norm_stats(train, ds.splits[0].spec.start, ds.splits[0].spec.end);
  return ds;
}

void write_dataset(Dataset& ds, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto columns = column_names();
  std::size_t total = 0;
  nlohmann::json splits = nlohmann::json::array();
  for (const auto& s : ds.splits) {
    splits.push_back({{"name", s.spec.name},
                      {"start", format_date(s.spec.start)},
                      {"end", format_date(s.spec.end)},
                      {"offset", total},
                      {"rows", s.rows.size()}});
    total += s.rows.size();
  }
  const nlohmann::json header = {{"format", "usdcop-dataset-v1"},
                                 {"rows", total},
                                 {"columns", columns},
                                 {"splits", splits},
                                 {"feature_order_hash", features::feature_order_hash()},
                                 {"builder_version", std::string(features::kBuilderVersion)}};
  const std::string h = header.dump();
  std::string bytes(kMagic, sizeof kMagic);
  const auto len = static_cast<std::uint32_t>(h.size());
  bytes.append(reinterpret_cast<const char*>(&len), sizeof len);
  bytes += h;
  std::vector<double> col(total);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    std::size_t k = 0;
    for (const auto& s : ds.splits)
      for (const auto& r : s.rows) col[k++] = column_value(r, c);
    bytes.append(reinterpret_cast<const char*>(col.data()), total * sizeof(double));
  }
  write_file(dir / "dataset.bin", bytes);
  ds.dataset_hash = sha256_hex(bytes);
  const std::string norm = features::to_canonical_json(ds.norm_stats);
  write_file(dir / "norm_stats.json", norm);
  nlohmann::json info = {{"format", "usdcop-dataset-info-v1"},
                         {"experiment", ds.experiment},
                         {"dataset_file", "dataset.bin"},
                         {"dataset_hash", ds.dataset_hash},
                         {"norm_stats_hash", features::norm_stats_hash(ds.norm_stats)},
                         {"feature_order_hash", features::feature_order_hash()},
                         {"builder_version", std::string(features::kBuilderVersion)},
                         {"embargo_sessions", ds.embargo_sessions},
                         {"rows", total},
                         {"dropped", ds.dropped}};
  for (const auto& s : ds.splits)
    info["splits"][s.spec.name] = {{"start", format_date(s.spec.start)},
                                   {"end", format_date(s.spec.end)},
                                   {"rows", s.rows.size()},
                                   {"first_time", format_rfc3339(s.rows.front().time)},
                                   {"last_time", format_rfc3339(s.rows.back().time)}};
  write_file(dir / "dataset.json", info.dump(2) + "\n");
}

Dataset read_dataset(const std::filesystem::path& dir) {
  const nlohmann::json info =
      nlohmann::json::parse(read_file(dir / "dataset.json"), nullptr, false);
  if (info.is_discarded() || !info.contains("dataset_hash"))
    throw Error(ErrorKind::invalid_input,
                (dir / "dataset.json").string() + ": not a dataset description");
  const std::string bytes = read_file(dir / "dataset.bin");
  Dataset ds;
  ds.dataset_hash = sha256_hex(bytes);
  if (ds.dataset_hash != info["dataset_hash"].get<std::string>())
    throw Error(ErrorKind::integrity, (dir / "dataset.bin").string() + ": sha256 " +
                                          ds.dataset_hash +
                                          " differs from dataset.json's dataset_hash");
  ds.norm_stats = features::parse_norm_stats(read_file(dir / "norm_stats.json"));
  if (features::norm_stats_hash(ds.norm_stats) != info.value("norm_stats_hash", ""))
    throw Error(ErrorKind::integrity,
                (dir / "norm_stats.json").string() + ": hash differs from dataset.json");
  features::check_compatible(ds.norm_stats);
  std::uint32_t len = 0;
  if (bytes.size() < 12 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw Error(ErrorKind::invalid_input, (dir / "dataset.bin").string() + ": bad magic");
  std::memcpy(&len, bytes.data() + 8, 4);
  const nlohmann::json header = nlohmann::json::parse(bytes.substr(12, len));
  if (header.at("feature_order_hash") != features::feature_order_hash())
    throw Error(ErrorKind::integrity,
                (dir / "dataset.bin").string() + ": feature_order_hash differs from this build's");
  const auto total = header.at("rows").get<std::size_t>();
  const auto columns = column_names();
  if (header.at("columns").get<std::vector<std::string>>() != columns ||
      bytes.size() != 12 + len + total * columns.size() * sizeof(double))
    throw Error(ErrorKind::invalid_input,
                (dir / "dataset.bin").string() + ": columns or size do not match the header");
  std::vector<DatasetRow> all(total);
  const char* data = bytes.data() + 12 + len;
  for (std::size_t c = 0; c < columns.size(); ++c)
    for (std::size_t k = 0; k < total; ++k) {
      double v;
      std::memcpy(&v, data + (c * total + k) * sizeof(double), sizeof v);
      set_column_value(all[k], c, v);
    }
  ds.experiment = info.value("experiment", "");
  ds.embargo_sessions = info.value("embargo_sessions", 1);
  ds.dropped = info.value("dropped", std::map<std::string, long>{});
  for (const auto& s : header.at("splits")) {
    DatasetSplit split{
        {s.at("name"), parse_date_or_throw(s.at("start").get<std::string>(), "split start"),
         parse_date_or_throw(s.at("end").get<std::string>(), "split end")},
        {}};
    const auto off = s.at("offset").get<std::size_t>(), n = s.at("rows").get<std::size_t>();
    split.rows.assign(all.begin() + static_cast<std::ptrdiff_t>(off),
                      all.begin() + static_cast<std::ptrdiff_t>(off + n));
    ds.splits.push_back(std::move(split));
  }
  return ds;
}

std::shared_ptr<EnvSeries> env_series(const Dataset& ds, const DatasetSplit& split) {
  auto s = std::make_shared<EnvSeries>();
  const std::size_t n = split.rows.size();
  s->time.reserve(n);
  s->market.reserve(n);
  s->time_normalized.reserve(n);
  s->next_log_return.reserve(n);
  for (const auto& r : split.rows) {
    const auto obs = features::normalize_observation(ds.norm_stats, r.market, 0, r.time_normalized);
    std::array<float, kMarketFeatures> m{};
    std::copy_n(obs.begin(), kMarketFeatures, m.begin());
    s->time.push_back(r.time);
    s->market.push_back(m);
    s->time_normalized.push_back(obs[kTimeSlot]);
    s->next_log_return.push_back(r.next_log_return);
  }
  return s;
}

}  // namespace usdcop::learn
