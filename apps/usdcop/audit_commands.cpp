// usdcop audit export|verify, usdcop lineage MODEL (spec 05): parsing and rendering only; the
// use cases are in src/app (audit_export, model_queries).
#include <fstream>
#include <iostream>

#include "app/audit_export.hpp"
#include "app/model_queries.hpp"
#include "audit_render.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "model_render.hpp"

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
    const Timestamp from = parse_time_or_date(o->from, "from");
    const Timestamp to = parse_end_bound(o->to, "to");
    if (to <= from) throw Error(ErrorKind::invalid_input, "--to must be after --from");
    const auto rows = app::export_audit(services(), {from, to});
    std::ofstream file;
    if (!o->out.empty()) {
      file.open(o->out, std::ios::binary | std::ios::trunc);
      if (!file) throw Error(ErrorKind::invalid_input, "--out: cannot write " + o->out);
    }
    std::ostream& out = o->out.empty() ? std::cout : file;
    if (o->format == "csv")
      render_csv(out, rows);
    else
      out << render_json(rows).dump(o->out.empty() ? -1 : 2) << "\n";
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
    const auto v = app::verify_audit(services());
    print_result(v, *json, render_json, render_text);
    if (v.first_broken_id) throw ExitRequest{kIntegrity};
  });
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
    const auto l = app::model_lineage(services(), o->model);
    if (o->json)
      print_json(l);
    else
      render_lineage_text(std::cout, l);
  });
}

const CommandRegistration reg{52, add_audit_commands};

}  // namespace
}  // namespace usdcop::cli
