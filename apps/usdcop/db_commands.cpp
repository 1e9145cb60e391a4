// usdcop db start|stop|status|psql|migrate: the managed local PostgreSQL (or DATABASE_URL).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "app/database.hpp"
#include "cli_context.hpp"
#include "core/error.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/pg_cluster.hpp"

namespace usdcop::cli {

namespace {

nlohmann::json migrations_json(const std::vector<store::Migration>& list) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& m : list) {
    j.push_back(
        {{"version", m.version}, {"name", m.name}, {"file", m.filename}, {"checksum", m.checksum}});
  }
  return j;
}

void print_migration_report(const store::MigrationReport& r) {
  if (r.applied.empty()) {
    std::cout << "schema version " << r.version_after << ": up to date\n";
    return;
  }
  for (const auto& m : r.applied) std::cout << "applied " << m.filename << "\n";
  std::cout << "schema version " << r.version_before << " -> " << r.version_after << "\n";
}

std::string external_note(const std::string& url) {
  return "the database is external (DATABASE_URL=" + store::mask_password(url) +
         "); usdcop does not start or stop it";
}

// usdcop db start
void add_db_start(CLI::App& db) {
  auto* start = db.add_subcommand(
      "start", "Start the managed cluster (initdb on first use) and apply migrations");
  auto fresh = std::make_shared<bool>(false);
  auto start_json = std::make_shared<bool>(false);
  start->add_flag("--fresh", *fresh,
                  "Stop the cluster, delete its data and initialize a new one (tests)");
  start->add_flag("--json", *start_json, "Machine-readable output");
  start->callback([=] {
    if (auto ext = store::external_database_url()) {
      if (*start_json) {
        print_json({{"external", true}, {"url", store::mask_password(*ext)}, {"started", false}});
      } else {
        std::cout << external_note(*ext) << "\n";
      }
      return;
    }
    store::PgCluster cluster;
    const auto [outcome, report] = app::start_database(cluster, *fresh);
    if (*start_json) {
      print_json({{"external", false},
                  {"initialized", outcome.initialized},
                  {"started", outcome.started},
                  {"data_dir", cluster.data_dir().string()},
                  {"socket_dir", cluster.socket_dir().string()},
                  {"port", cluster.port()},
                  {"url", cluster.url()},
                  {"owner_url", cluster.owner_url()},
                  {"credentials_file", cluster.credentials_file().string()},
                  {"schema_version", report.version_after},
                  {"migrations_applied", migrations_json(report.applied)}});
      return;
    }
    if (outcome.initialized)
      std::cout << "initialized a new cluster in " << cluster.data_dir().string() << "\n";
    std::cout << (outcome.started ? "started" : "already running") << ": PostgreSQL on socket "
              << cluster.socket_dir().string() << " (port " << cluster.port() << ")\n"
              << "url: " << cluster.url() << "\n"
              << "owner url (db migrate, db psql --owner): " << cluster.owner_url() << "\n"
              << "passwords: " << cluster.credentials_file().string()
              << " (only you can read it)\n";
    print_migration_report(report);
  });
}

// usdcop db stop
void add_db_stop(CLI::App& db) {
  auto* stop = db.add_subcommand("stop", "Stop the managed cluster (fast shutdown)");
  stop->callback([=] {
    if (auto ext = store::external_database_url()) {
      std::cout << external_note(*ext) << "\n";
      return;
    }
    store::PgCluster cluster;
    std::cout << (cluster.stop() ? "stopped" : "not running") << ": " << cluster.data_dir().string()
              << "\n";
  });
}

// usdcop db status
void add_db_status(CLI::App& db) {
  auto* status = db.add_subcommand("status",
                                   "Is the database running? Data directory, socket, URL and "
                                   "schema version (exit 4 when not running)");
  auto status_json = std::make_shared<bool>(false);
  status->add_flag("--json", *status_json, "Machine-readable output");
  status->callback([=] {
    nlohmann::json j;
    std::string url;
    bool running = false;
    if (auto ext = store::external_database_url()) {
      url = *ext;
      j["external"] = true;
      j["url"] = store::mask_password(url);
      try {
        store::require_reachable(url);
        running = true;
      } catch (const Error& e) {
        j["error"] = e.what();
      }
    } else {
      store::PgCluster cluster;
      const auto s = cluster.status();
      url = s.url;
      running = s.running;
      j["external"] = false;
      j["url"] = s.url;
      j["home"] = s.home.string();
      j["data_dir"] = s.data_dir.string();
      j["socket_dir"] = s.socket_dir.string();
      j["port"] = s.port;
      j["log_file"] = s.log_file.string();
      j["credentials_file"] = s.credentials_file.string();
      j["initialized"] = s.initialized;
      j["pid"] = s.pid ? nlohmann::json(*s.pid) : nlohmann::json(nullptr);
    }
    j["running"] = running;
    j["schema_version"] = nullptr;
    j["latest_known_version"] = store::latest_known_version();
    if (running) {
      try {
        auto conn = store::open_connection(url);
        j["schema_version"] = store::schema_version(*conn);
      } catch (const std::exception& e) {
        j["schema_error"] = e.what();
      }
    }
    if (*status_json) {
      print_json(j);
    } else {
      std::cout << "running:        " << (running ? "yes" : "no") << "\n";
      if (j["external"].get<bool>()) {
        std::cout << "database:       external (DATABASE_URL)\n";
      } else {
        std::cout << "data dir:       " << j["data_dir"].get<std::string>()
                  << (j["initialized"].get<bool>() ? "" : " (not initialized)") << "\n"
                  << "socket:         " << j["socket_dir"].get<std::string>() << " (port "
                  << j["port"] << ")\n"
                  << "log:            " << j["log_file"].get<std::string>() << "\n";
      }
      std::cout << "url:            " << j["url"].get<std::string>() << "\n";
      if (!j["schema_version"].is_null()) {
        std::cout << "schema version: " << j["schema_version"] << " (this binary knows "
                  << j["latest_known_version"] << ")\n";
      }
      if (j.contains("error"))
        std::cout << "error:          " << j["error"].get<std::string>() << "\n";
    }
    if (!running) throw ExitRequest{kUnavailable};
  });
}

// usdcop db psql
void add_db_psql(CLI::App& db) {
  auto* psql = db.add_subcommand(
      "psql", "Open psql on the database as the application role; arguments after -- go to psql");
  auto psql_args = std::make_shared<std::vector<std::string>>();
  auto psql_owner = std::make_shared<bool>(false);
  psql->add_flag("--owner", *psql_owner,
                 "Connect as the owner role instead (maintenance; USDCOP_OWNER_URL for an "
                 "external database)");
  psql->add_option("ARGS", *psql_args, "Arguments for psql (put them after --)");
  psql->callback([=] {
    std::string url = store::ensure_database_running();
    if (*psql_owner) url = store::owner_database_url();
    std::vector<std::string> argv = {"psql", "-d", url};
    argv.insert(argv.end(), psql_args->begin(), psql_args->end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::cout.flush();
    ::execv("/usr/bin/psql", cargv.data());
    throw Error(ErrorKind::unavailable,
                std::string("cannot run /usr/bin/psql: ") + std::strerror(errno));
  });
}

// usdcop db migrate
void add_db_migrate(CLI::App& db) {
  auto* mig = db.add_subcommand("migrate",
                                "Apply pending schema migrations as the owner role (starts the "
                                "managed cluster if needed; USDCOP_OWNER_URL for an external "
                                "database)");
  auto mig_json = std::make_shared<bool>(false);
  mig->add_flag("--json", *mig_json, "Machine-readable output");
  mig->callback([=] {
    const auto [url, report] = app::migrate_database();
    if (*mig_json) {
      print_json({{"url", store::mask_password(url)},
                  {"version_before", report.version_before},
                  {"version_after", report.version_after},
                  {"applied", migrations_json(report.applied)}});
      return;
    }
    print_migration_report(report);
  });
}

}  // namespace

void add_db_commands(CLI::App& app) {
  auto* db = app.add_subcommand(
      "db",
      "The PostgreSQL database: the managed local cluster under $USDCOP_HOME/pg, or DATABASE_URL");
  db->require_subcommand(1);
  add_db_start(*db);
  add_db_stop(*db);
  add_db_status(*db);
  add_db_psql(*db);
  add_db_migrate(*db);
}

}  // namespace usdcop::cli
