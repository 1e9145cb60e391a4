// usdcop fs catalog|publish|latest|query|quality|maintain: the feature store (spec 10;
// docs/FEATURE_STORE.md).
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "app/feature_store.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"

namespace usdcop::cli {

void add_bench_fs(CLI::App& bench);  // bench_fs_command.cpp

namespace {

using nlohmann::json;

void print_specs(const std::vector<fstore::FeatureSpec>& specs, bool as_json) {
  if (as_json) {
    json arr = json::array();
    for (const auto& s : specs) arr.push_back(s.to_json());
    print_json(arr);
    return;
  }
  for (const auto& s : specs)
    std::cout << std::left << std::setw(40) << s.id << " v" << s.version << "  " << std::setw(6)
              << s.entity << " " << std::setw(4) << s.frequency << " ttl " << s.ttl_ms / 3600000.0
              << " h  " << s.unit << "\n";
  std::cout << specs.size() << " features\n";
}

void add_catalog(CLI::App& fs) {
  struct Opts {
    std::string entity, frequency, tags, file, id;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = fs.add_subcommand("catalog",
                              "List the active catalog (filters: entity, frequency, tags any-of)");
  c->add_option("--entity", o->entity, "asset|pair|market|macro");
  c->add_option("--frequency", o->frequency, "tick|1m|5m|1h|1d|1b|1w|1mo|1q");
  c->add_option("--tags", o->tags, "Comma-separated; a feature matches when it has any of them");
  c->add_flag("--json", o->json, "FeatureSpec[] as the API returns it");
  c->require_subcommand(0, 1);
  c->callback([o, c] {
    if (!c->get_subcommands().empty()) return;
    fstore::CatalogFilter f;
    if (!o->entity.empty()) f.entity = o->entity;
    if (!o->frequency.empty()) f.frequency = o->frequency;
    f.tags = fstore::split_tags(o->tags);
    app::FeatureStore store(services());
    print_specs(store.catalog(f), o->json);
  });
  auto* apply =
      c->add_subcommand("apply", "Load a catalog file; a changed entry becomes a new version");
  apply->add_option("file", o->file, "Catalog JSON (default config/features.catalog.json)");
  apply->add_flag("--json", o->json, "Machine-readable report");
  apply->callback([o] {
    const auto path =
        o->file.empty() ? fstore::default_catalog_path() : std::filesystem::path(o->file);
    app::FeatureStore store(services());
    const auto r = store.apply_catalog_file(path);
    if (o->json) {
      auto j = r.to_json();
      j["file"] = j["source"];
      print_json(j);
    } else {
      std::cout << r.source << ": " << r.features << " features, " << r.created << " new, "
                << r.new_versions << " new versions, " << r.unchanged << " unchanged\n";
    }
  });
  auto* versions = c->add_subcommand("versions", "Every version of one feature, oldest first");
  versions->add_option("id", o->id, "Feature id")->required();
  versions->add_flag("--json", o->json, "Machine-readable output");
  versions->callback([o] {
    app::FeatureStore store(services());
    print_specs(store.versions(o->id), o->json);
  });
}

json read_json_input(const std::string& file) {
  std::stringstream ss;
  if (file == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(file);
    if (!in) throw Error(ErrorKind::not_found, "input file " + file + " cannot be read");
    ss << in.rdbuf();
  }
  try {
    return json::parse(ss.str());
  } catch (const json::exception& e) {
    throw Error(ErrorKind::invalid_input, file + " is not JSON: " + e.what());
  }
}

void add_publish(CLI::App& fs) {
  auto file = std::make_shared<std::string>();
  auto* c = fs.add_subcommand("publish", "Publish FeaturePoint[] (JSON array) from a file or -");
  c->add_option("file", *file, "JSON file with a list of points, or - for stdin")->required();
  c->footer(
      "Prints {accepted, stored, unchanged, rejected, errors[{index, reason}]}; exit 3 when\n"
      "any point was rejected (the good points are stored; rejects are recorded in\n"
      "fs.publish_rejects). Re-publishing identical points changes nothing.");
  c->callback([file] {
    const auto body = read_json_input(*file);
    app::FeatureStore store(services());
    const auto r = store.publish_json(body);
    print_json(r.to_json());
    if (r.rejected > 0) throw ExitRequest{kPartial};
  });
}

void add_latest(CLI::App& fs) {
  auto id = std::make_shared<std::string>();
  auto* c = fs.add_subcommand("latest", "The newest point of a feature with its age and staleness");
  c->add_option("id", *id, "Feature id")->required();
  c->callback([id] {
    app::FeatureStore store(services());
    print_json(store.latest(*id).to_json());
  });
}

void add_query(CLI::App& fs) {
  struct Opts {
    std::vector<std::string> ids;
    std::string since, until, agg = "none", interval, body;
    long limit = 10000;
  };
  auto o = std::make_shared<Opts>();
  auto* c = fs.add_subcommand("query", "Points or aggregation buckets of features over a range");
  c->add_option("--feature", o->ids, "Feature id (repeatable)");
  c->add_option("--since", o->since, "Inclusive start: a date (00:00 UTC) or an RFC 3339 time");
  c->add_option("--until", o->until,
                "Exclusive end: a date (00:00 UTC) or an RFC 3339 time (default now)");
  c->add_option("--agg", o->agg, "none|sum|mean|last|min|max");
  c->add_option("--interval", o->interval, "Bucket width with --agg: 5m, 1h, 1d, 1w");
  c->add_option("--limit", o->limit, "Points or buckets per feature (1..100000)");
  c->add_option("--body", o->body, "A POST /query body (JSON file) instead of the flags");
  c->callback([o] {
    json body;
    if (!o->body.empty()) {
      body = read_json_input(o->body);
    } else {
      body = {{"featureIds", o->ids}, {"agg", o->agg}, {"limit", o->limit}};
      if (!o->since.empty()) body["since"] = o->since;
      if (!o->until.empty()) body["until"] = o->until;
      if (!o->interval.empty()) body["interval"] = o->interval;
    }
    const auto request = fstore::QueryRequest::from_json(body);
    app::FeatureStore store(services());
    print_json(store.query(request).to_json());
  });
}

void add_quality(CLI::App& fs) {
  struct Opts {
    int days = 30;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c =
      fs.add_subcommand("quality", "Data-quality gates of every active feature over the last days");
  c->add_option("--days", o->days, "Window in days (coverage, range)")->check(CLI::Range(1, 3650));
  c->add_flag("--json", o->json, "Machine-readable output");
  c->footer(
      "Gates: coverage >= 0.80, freshness <= 1.5 x ttl, values inside expected_range,\n"
      "ingest failure rate <= 5 %. Exit 3 when any feature fails a gate.");
  c->callback([o] {
    app::FeatureStore store(services());
    json out = json::array();
    bool all = true;
    for (const auto& f : store.quality(o->days)) {
      all = all && f.quality.pass();
      out.push_back(f.to_json());
      if (!o->json)
        std::cout << std::left << std::setw(40) << f.feature_id
                  << (f.quality.pass() ? " pass" : " FAIL") << "  coverage "
                  << (f.coverage ? std::to_string(*f.coverage) : "n/a") << "  fresh "
                  << (f.quality.freshness_ok ? "ok" : "no") << "  range "
                  << (f.quality.range_ok ? "ok" : "no") << "  failures " << f.quality.failure_rate
                  << "\n";
    }
    if (o->json) print_json(out);
    if (!all) throw ExitRequest{kPartial};
  });
}

void add_maintain(CLI::App& fs) {
  struct Opts {
    int ahead = -1, retention = -1;
    std::string export_dir;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = fs.add_subcommand("maintain",
                              "Create day partitions ahead; export then drop days past retention");
  c->add_option("--ahead", o->ahead,
                "Days to create ahead (default feature_store.create_ahead_days)");
  c->add_option("--retention-days", o->retention,
                "Days kept in PostgreSQL (default feature_store.retention_days)");
  c->add_option("--export-dir", o->export_dir, "Export root (default feature_store.export_dir)");
  c->add_flag("--json", o->json, "Machine-readable report");
  c->footer(
      "Days are UTC. Exports go to {export-dir}/{feature}/dt=YYYY-MM-DD/part-<unix time>.csv,\n"
      "are read back and compared with the partition before it is dropped.");
  c->callback([o] {
    app::FeatureStore store(services());
    const auto r = store.maintain({o->ahead, o->retention, o->export_dir});
    const auto export_dir =
        o->export_dir.empty() ? store.settings().export_dir : std::filesystem::path(o->export_dir);
    if (o->json) {
      print_json(r.to_json());
      return;
    }
    std::cout << "created " << r.created.size() << " partitions, retired " << r.retired.size()
              << " days";
    long rows = 0;
    for (const auto& d : r.retired) rows += d.rows;
    std::cout << " (" << rows << " rows exported to " << export_dir.string() << "); "
              << r.partitions_after << " partitions\n";
  });
}

void add_fs_commands(CLI::App& app) {
  auto* fs =
      app.add_subcommand("fs", "Feature store: catalog, publish, latest, query, quality, maintain");
  fs->require_subcommand(1);
  add_catalog(*fs);
  add_publish(*fs);
  add_latest(*fs);
  add_query(*fs);
  add_quality(*fs);
  add_maintain(*fs);
  if (auto* bench = app.get_subcommand("bench")) add_bench_fs(*bench);
}

const CommandRegistration reg{70, add_fs_commands};

}  // namespace
}  // namespace usdcop::cli
