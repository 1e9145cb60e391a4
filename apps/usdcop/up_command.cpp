// usdcop up [--replay FILE --speed N] [--port P] [--bind ADDR]: the managed database (or
// DATABASE_URL), pending migrations as the owner, the token bootstrap on a fresh database, then
// the HTTP API and the live engine in one process over the same app::Services. SIGINT/SIGTERM
// stop the engine between bars and the server after its in-flight requests; exit 0.
#include "up_command.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "adapters/market_data/twelvedata_client.hpp"
#include "app/token_bootstrap.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "demo_identities.hpp"
#include "server/api_server.hpp"
#include "store/database.hpp"
#include "store/pg_cluster.hpp"

namespace usdcop::cli {
namespace {

bool loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::filesystem::path admin_token_path(const UpOptions& o) {
  if (!o.admin_token_file.empty()) return o.admin_token_file;
  return store::usdcop_home() / "admin.token";
}

// Spec 12: a fresh database gets its first admin; the secret is printed once and kept in a
// user-only file. Later runs print where the file is.
void bootstrap_admin(app::Services& services, const std::filesystem::path& file) {
  const auto issued = app::bootstrap_first_admin(services, "admin");
  if (!issued) {
    std::error_code ec;
    if (std::filesystem::exists(file, ec))
      std::cout << "admin token: in " << file.string() << " (user-only file)\n";
    else
      std::cout << "this database already has an admin token (not in " << file.string()
                << "); use yours with USDCOP_TOKEN or --token-file\n";
    return;
  }
  std::error_code ec;
  if (file.has_parent_path() && !std::filesystem::exists(file.parent_path(), ec)) {
    std::filesystem::create_directories(file.parent_path(), ec);
    ::chmod(file.parent_path().c_str(), 0700);
  }
  write_user_only_file(file, issued->secret);
  std::cout << "admin principal 'admin' created; its token (shown only this once):\n  "
            << issued->secret << "\nsaved in " << file.string()
            << " (user-only file): export USDCOP_TOKEN=$(cat " << file.string() << ")\n";
}

void sleep_unless(const std::atomic<bool>& stopping, std::chrono::seconds total) {
  const auto until = std::chrono::steady_clock::now() + total;
  while (!stopping && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// The engine thread: the replay (when given), then live until stopped. An engine that cannot
// start yet (no deployed model, database briefly away) is retried; the API keeps serving.
void run_engine_until_stopped(EngineLaunch launch, const std::atomic<bool>& stopping) {
  while (!stopping) {
    try {
      run_engine_in_process(launch);
    } catch (const ExitRequest&) {
      // A replay with rejected rows: the summary said which; the good rows were all handled.
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::not_found && e.kind() != ErrorKind::unavailable &&
          e.kind() != ErrorKind::conflict) {
        std::cerr << "usdcop up: the engine stopped: " << e.what() << " (the API keeps serving)\n";
        return;
      }
      std::cerr << "usdcop up: the engine is waiting: " << e.what() << "; retrying in 10 s\n";
      sleep_unless(stopping, std::chrono::seconds(10));
      continue;
    } catch (const std::exception& e) {
      // A bug in the engine must not take the API down with std::terminate.
      std::cerr << "usdcop up: the engine stopped: " << e.what() << " (the API keeps serving)\n";
      return;
    }
    if (launch.replay.empty()) return;  // live returns only when stopped
    if (stopping) return;               // a stopped replay is not a finished one
    std::cout << "usdcop up: replay done; the engine goes on live (new bars, every "
              << launch.tick_s << " s)" << std::endl;
    launch.replay.clear();
  }
}

// Waits for SIGINT/SIGTERM (blocked in every thread, so only this one receives them), then
// stops the engine and the server. Gives up when `done` is set.
void wait_for_stop_signal(server::ApiServer& api, const sigset_t& signals,
                          std::atomic<bool>& stopping, const std::atomic<bool>& done) {
  const timespec poll{0, 200'000'000};
  while (!done) {
    if (sigtimedwait(&signals, nullptr, &poll) > 0) {
      std::cout << "usdcop up: stopping (engine between bars, then the API)" << std::endl;
      stopping = true;
      stop_engine();
      api.stop();
      return;
    }
  }
}

}  // namespace

void run_up(const UpOptions& o) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread started below

  if (!o.engine.replay.empty() && !std::filesystem::is_regular_file(o.engine.replay))
    throw Error(ErrorKind::invalid_input, "no such file: " + o.engine.replay, "replay_file");
  // A feed without its key would only stop the engine later: refuse before anything starts.
  if (!o.engine.feed.empty()) adapters::TwelveDataOptions::from_env();
  auto& services = cli::services(/*migrate_first=*/true);  // migrations as the owner
  std::cout << "database: " << store::mask_password(store::database_url()) << "\n";
  bootstrap_admin(services, admin_token_path(o));
  server::ApiServer api(o.api, services);
  api.bind();
  if (!loopback(o.api.host))
    std::cerr << "usdcop: warning: serving on " << o.api.host
              << ", not loopback: bearer tokens travel in clear text; put TLS in front\n";
  std::cout << "usdcop API listening on " << api.url() << " (Ctrl-C to stop)" << std::endl;

  std::atomic<bool> stopping{false}, done{false}, engine_done{false};
  std::thread engine([&] {
    run_engine_until_stopped(o.engine, stopping);
    engine_done = true;
  });
  std::thread waiter([&] { wait_for_stop_signal(api, signals, stopping, done); });
  api.listen();
  stopping = true;
  // run_engine_in_process clears the stop flag when it starts: repeat until it has returned.
  while (!engine_done) {
    stop_engine();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  engine.join();
  done = true;
  waiter.join();
  std::cout << "usdcop up: stopped" << std::endl;
}

namespace {

void add_up_command(CLI::App& app) {
  auto o = std::make_shared<UpOptions>();
  auto* c = app.add_subcommand(
      "up", "Run the platform: database, migrations, HTTP API and live engine in one process");
  c->add_option("--replay", o->engine.replay,
                "Play this bar file (as `usdcop engine --replay`) through the live engine, then "
                "go on live");
  c->add_option("--speed", o->engine.speed,
                "Replay speed: simulated seconds per real second, or max (default)");
  c->add_option("--feed", o->engine.feed,
                "Once live, poll this provider for new bars: twelvedata (key from "
                "TWELVEDATA_API_KEY or the file named by TWELVEDATA_API_KEY_FILE)")
      ->check(CLI::IsMember({"twelvedata"}));
  c->add_option("--poll-offset", o->engine.poll_offset_s,
                "Seconds after each bar's close the feed polls (default 5)")
      ->check(CLI::Range(0.0, 299.0));
  c->add_option("--tick", o->engine.tick_s, "Seconds between live catch-ups (default 30)")
      ->check(CLI::Range(0.01, 3600.0));
  c->add_option("--bind,--host", o->api.host, "Bind address (default 127.0.0.1: loopback only)");
  c->add_option("--port", o->api.port, "Port (default 8080; 0 picks a free port)")
      ->check(CLI::Range(0, 65535));
  c->add_option("--threads", o->api.request_threads,
                "Threads answering requests, besides the stream threads (default 16)")
      ->check(CLI::Range(2, 256));
  c->add_option("--rate-limit", o->api.rate_limit_per_minute,
                "Requests a minute per token without its own limit (default 1000)")
      ->check(CLI::Range(1, 10'000'000));
  c->add_option("--cors-origin", o->api.cors_origins,
                "Allow browser calls from this origin (repeatable; default: CORS closed)");
  c->add_option("--admin-token-file", o->admin_token_file,
                "Where a fresh database's admin token is written (default "
                "$USDCOP_HOME/admin.token, mode 0600)");
  c->footer(
      "On a database without an admin token, creates the principal 'admin' and prints its token "
      "once.\nExit status: 0 stopped by SIGINT/SIGTERM; 2 bad arguments; 4 the database or the "
      "port is unavailable.");
  c->callback([o] { run_up(*o); });
}

const CommandRegistration reg{91, add_up_command};

}  // namespace
}  // namespace usdcop::cli
