// usdcop audit export, usdcop lineage MODEL (spec 05)
#include <fstream>
#include <iostream>

#include "app_database.hpp"
#include "cli_context.hpp"
#include "core/error.hpp"
#include "store/pg_audit_log.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::cli {

namespace {

void add_export(CLI::App& audit) {
  struct Opts {
    std::string from, to, format = "json", out;
  };
  auto o = std::make_shared<Opts>();
  auto* c = audit.add_subcommand("export", "Audit rows with from <= at < to as CSV or JSON");
  c->add_option("--from", o->from, "Start: a date (COT day) or an RFC 3339 time, inclusive")
      ->required();
  c->add_option("--to", o->to, "End: a date (COT day) is inclusive, an RFC 3339 time exclusive")
      ->required();
  c->add_option("--format", o->format, "csv|json (default json)")
      ->check(CLI::IsMember({"csv", "json"}));
  c->add_option("--out", o->out, "Write to FILE instead of stdout");
  c->callback([o] {
    const Timestamp from = parse_time_or_date(o->from, "--from");
    const Timestamp to = parse_end_bound(o->to, "--to");
    if (to <= from) throw Error(ErrorKind::invalid_input, "--to must be after --from");
    store::PgAuditLog log(open_app_database().pool());
    const auto rows = log.range(from, to);
    std::ofstream file;
    if (!o->out.empty()) {
      file.open(o->out, std::ios::binary | std::ios::trunc);
      if (!file) throw Error(ErrorKind::invalid_input, "--out: cannot write " + o->out);
    }
    std::ostream& out = o->out.empty() ? std::cout : file;
    if (o->format == "csv") {
      out << models::kAuditCsvHeader << "\n";
      for (const auto& e : rows) out << models::to_csv_line(e) << "\n";
    } else {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& e : rows) j.push_back(models::to_json(e));
      out << j.dump(o->out.empty() ? -1 : 2) << "\n";
    }
    if (!o->out.empty()) {
      file.close();
      if (!file) throw Error(ErrorKind::unavailable, "--out: writing " + o->out + " failed");
      std::cerr << "wrote " << rows.size() << " audit rows to " << o->out << "\n";
    }
  });
}

void add_verify(CLI::App& audit) {
  auto json = std::make_shared<bool>(false);
  auto* c = audit.add_subcommand(
      "verify", "Recompute the audit log's hash chain; name the first broken row (exit 6)");
  c->add_flag("--json", *json, "Machine-readable output");
  c->callback([json] {
    store::PgAuditLog log(open_app_database().pool());
    const auto v = log.verify();
    if (*json) {
      print_json({{"rows", v.rows},
                  {"unchained", v.unchained},
                  {"verified", v.verified},
                  {"ok", !v.first_broken_id.has_value()},
                  {"first_broken_id", v.first_broken_id ? nlohmann::json(*v.first_broken_id)
                                                        : nlohmann::json(nullptr)},
                  {"why", v.why},
                  {"head_hash", v.head_hash}});
    } else if (v.first_broken_id) {
      std::cout << "BROKEN at audit row " << *v.first_broken_id << ": " << v.why << "\n"
                << v.verified << " rows before it verify\n";
    } else {
      std::cout << "ok: " << v.verified << " chained rows verify"
                << (v.unchained
                        ? " (" + std::to_string(v.unchained) + " older rows predate the chain)"
                        : "")
                << "; head " << (v.head_hash.empty() ? "-" : v.head_hash) << "\n";
    }
    if (v.first_broken_id) throw ExitRequest{kIntegrity};
  });
}

void print_lineage(const nlohmann::json& l) {
  auto s = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  std::cout << "model " << s(l["model_id"]) << "\n";
  std::cout << "  data        training " << s(l["data"]["training_start"]) << " .. "
            << s(l["data"]["training_end"]) << ", validation " << s(l["data"]["validation_start"])
            << " .. " << s(l["data"]["validation_end"]) << "\n";
  std::cout << "  builder     " << s(l["feature_builder"]["builder_version"]) << " (feature order "
            << s(l["feature_builder"]["feature_order_hash"]).substr(0, 16) << "…)\n";
  std::cout << "  dataset     " << s(l["dataset"]["dataset_hash"]) << "\n";
  std::cout << "  run         " << s(l["run"]["run_id"]);
  if (l["run"].contains("experiment"))
    std::cout << " (" << s(l["run"]["experiment"]) << ", " << s(l["run"]["status"]) << ")";
  std::cout << "\n  model       v" << s(l["model"]["version"]) << " " << s(l["model"]["status"])
            << " model_hash " << s(l["model"]["model_hash"]) << "\n              norm_stats_hash "
            << s(l["model"]["norm_stats_hash"]) << "\n";
  for (const auto& b : l["backtests"])
    std::cout << "  backtest    " << s(b["backtest_id"]) << " " << s(b["period_type"]) << " "
              << s(b["start_date"]) << ".." << s(b["end_date"]) << " sharpe "
              << s(b["sharpe_ratio"]) << "\n";
  for (const auto& r : l["promotion_requests"])
    std::cout << "  promotion   " << s(r["request_id"]) << " -> " << s(r["target_stage"]) << ": "
              << s(r["final_decision"]) << " (auto " << s(r["auto_vote_status"]) << ", manual "
              << s(r["manual_vote_status"]) << ")\n";
  for (const auto& d : l["deployments"])
    std::cout << "  deployment  " << s(d["at"]) << " " << s(d["from_state"]) << " -> "
              << s(d["to_state"]) << " by " << s(d["actor"]) << " (" << s(d["action"]) << ")\n";
  std::cout << "  inferences  " << s(l["inferences"]["total"]) << " (production "
            << s(l["inferences"]["production"]) << "), trades " << s(l["inferences"]["trades"])
            << "\n";
}

void add_audit_commands(CLI::App& app) {
  auto* audit = app.add_subcommand("audit", "The append-only audit log (spec 05)");
  audit->require_subcommand(1);
  add_export(*audit);
  add_verify(*audit);

  struct Opts {
    std::string model;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("lineage",
                               "Data range -> builder -> dataset -> run -> model hashes -> "
                               "backtests -> promotions -> deployments");
  c->add_option("MODEL", o->model, "model_id")->required();
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    store::PgModelRegistry registry(open_app_database().pool());
    const auto l = registry.lineage(o->model);
    if (o->json)
      print_json(l);
    else
      print_lineage(l);
  });
}

const CommandRegistration reg{52, add_audit_commands};

}  // namespace
}  // namespace usdcop::cli
