// usdcop features build|export|show (spec 02; docs/FEATURES.md).
#include <cerrno>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/feature_build.hpp"
#include "app/market_reads.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "core/file_error.hpp"
#include "feature_render.hpp"
#include "features/norm_stats.hpp"
#include "market/csv_source.hpp"

namespace usdcop::cli {

void add_bench_features(CLI::App& bench);  // bench_features_command.cpp

namespace {

std::string number_text(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
}

std::string number_text(float v) {
  if (std::isnan(v)) return "";
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += sep;
    s += items[i];
  }
  return s;
}

nlohmann::json number_json(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

void add_build(CLI::App& features) {
  struct Opts {
    std::string from, to;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = features.add_subcommand(
      "build", "Compute and upsert feature vectors from the stored bars and macro data");
  c->add_option("--from", o->from,
                "Also recompute and rewrite rows from this time (a date: 00:00 COT, or RFC 3339)");
  c->add_option("--to", o->to,
                "Fold bars up to this date (COT day, inclusive) or before this RFC 3339 time only "
                "(default: every stored bar)");
  c->add_flag("--json", o->json, "Machine-readable report");
  c->footer(
      "Resumes from the builder checkpoint (features.builder_state) when the stored bars up to it "
      "and the\n"
      "macro data are unchanged; otherwise folds again from the first stored bar. Single writer: "
      "exit 5\n"
      "when another features build is running.");
  c->callback([o] {
    app::FeatureBuildRequest request;
    if (!o->from.empty()) request.from = parse_time_or_date(o->from, "from");
    if (!o->to.empty()) request.to = parse_end_bound(o->to, "to");
    if (request.from && request.to && *request.to <= *request.from)
      throw Error(ErrorKind::invalid_input, "--to is not after --from");
    print_result(app::build_features(services(), request), o->json, render_json, render_text);
  });
}

void add_export(CLI::App& features) {
  struct Opts {
    std::string from, to, out;
  };
  auto o = std::make_shared<Opts>();
  auto* c = features.add_subcommand("export", "Export stored feature rows as CSV");
  c->add_option("--from", o->from, "Start: a date (COT day) or an RFC 3339 time, inclusive")
      ->required();
  c->add_option("--to", o->to, "End: a date (COT day) is inclusive, an RFC 3339 time exclusive")
      ->required();
  c->add_option("--out", o->out, "Output file (default: stdout)");
  c->footer(
      "Columns: time, the 13 market features, time_normalized, complete (true/false), missing\n"
      "(names separated by ';'). Missing values are empty fields.");
  c->callback([o] {
    const Timestamp from = parse_time_or_date(o->from, "from");
    const Timestamp to = parse_end_bound(o->to, "to");
    const auto rows = app::feature_rows_in_range(services(), from, to);
    std::ofstream file;
    if (!o->out.empty()) {
      file.open(o->out, std::ios::binary | std::ios::trunc);
      if (!file) throw Error(ErrorKind::invalid_input, "--out: cannot write " + o->out);
    }
    std::ostream& out = o->out.empty() ? std::cout : file;
    std::string text = "time";
    for (int i = 0; i < features::kMarketFeatureCount; ++i) {
      text += ',';
      text += features::kFeatureNames[static_cast<std::size_t>(i)];
    }
    text += ",time_normalized,complete,missing\n";
    for (const auto& r : rows) {
      text += format_rfc3339(r.time);
      for (const double v : r.market) {
        text += ',';
        text += number_text(v);
      }
      text += ',';
      text += number_text(r.time_normalized);
      text += r.complete ? ",true," : ",false,";
      text += join(r.missing, ';');
      text += '\n';
      if (text.size() > (1 << 20)) {
        out << text;
        text.clear();
      }
    }
    errno = 0;
    out << text;
    out.flush();
    if (!out)
      throw file_write_error(o->out.empty() ? "export: stdout" : "--out: " + o->out, errno,
                             ErrorKind::unavailable);
    if (!o->out.empty()) std::cerr << rows.size() << " rows written to " << o->out << "\n";
  });
}

void add_show(CLI::App& features) {
  struct Opts {
    std::string at, model;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = features.add_subcommand("show", "Print one stored feature vector");
  c->add_option("--at", o->at, "Bar open time (RFC 3339)")->required();
  c->add_option("--model", o->model,
                "Run directory: also print values normalized with its norm_stats.json");
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    const Timestamp at = parse_time_or_date(o->at, "at");
    std::optional<features::NormStats> stats;
    std::string stats_hash;
    if (!o->model.empty()) {
      const auto path = std::filesystem::path(o->model) / "norm_stats.json";
      if (!std::filesystem::exists(path))
        throw Error(ErrorKind::not_found, "--model: " + path.string() + " does not exist");
      stats = features::parse_norm_stats(market::read_text_file(path));
      features::check_compatible(*stats);
      stats_hash = features::norm_stats_hash(*stats);
    }
    const auto row = app::feature_row_at(services(), at);
    std::optional<std::array<float, features::kObservationSize>> norm;
    if (stats) norm = features::normalize_observation(*stats, row.market, 0, row.time_normalized);
    if (o->json) {
      nlohmann::json values = nlohmann::json::object();
      for (int i = 0; i < features::kMarketFeatureCount; ++i) {
        values[std::string(features::kFeatureNames[static_cast<std::size_t>(i)])] =
            number_json(row.market[static_cast<std::size_t>(i)]);
      }
      values["time_normalized"] = number_json(row.time_normalized);
      nlohmann::json j = {{"time", format_rfc3339(row.time)},
                          {"complete", row.complete},
                          {"missing", row.missing},
                          {"builder_version", row.builder_version},
                          {"values", values}};
      if (norm) {
        nlohmann::json n = nlohmann::json::object();
        for (int i = 0; i < features::kObservationSize; ++i) {
          if (i == features::kPositionIndex) continue;  // injected at decision time
          n[std::string(features::kFeatureNames[static_cast<std::size_t>(i)])] =
              number_json(static_cast<double>((*norm)[static_cast<std::size_t>(i)]));
        }
        j["normalized"] = n;
        j["norm_stats_hash"] = stats_hash;
      }
      print_json(j);
      return;
    }
    std::cout << "time:     " << format_rfc3339(row.time) << " (" << format_cot(row.time) << ")\n"
              << "complete: " << (row.complete ? "yes" : "no")
              << (row.missing.empty() ? "" : " (missing: " + join(row.missing, ',') + ")") << "\n";
    for (int i = 0; i < features::kObservationSize; ++i) {
      if (i == features::kPositionIndex) continue;
      const double raw =
          i == features::kTimeIndex ? row.time_normalized : row.market[static_cast<std::size_t>(i)];
      std::string name{features::kFeatureNames[static_cast<std::size_t>(i)]};
      name.resize(18, ' ');
      std::cout << "  " << name << (std::isnan(raw) ? std::string("missing") : number_text(raw));
      if (norm) std::cout << "\t" << number_text((*norm)[static_cast<std::size_t>(i)]);
      std::cout << "\n";
    }
    if (norm)
      std::cout << "normalized with " << o->model << "/norm_stats.json (sha256 " << stats_hash
                << ")\n";
  });
}

void add_features_commands(CLI::App& app) {
  auto* features = app.add_subcommand("features", "Canonical feature vectors (spec 02)");
  features->require_subcommand(1);
  add_build(*features);
  add_export(*features);
  add_show(*features);
  if (auto* bench = app.get_subcommand("bench")) add_bench_features(*bench);
}

const CommandRegistration reg{30, add_features_commands};

}  // namespace
}  // namespace usdcop::cli
