#pragma once
// Where the database is and how to reach it. DATABASE_URL (any libpq URI or key=value
// string) overrides everything; otherwise the managed local cluster (store/pg_cluster.hpp) is
// used. URLs shown to people go through mask_password() first.
//
// Two roles (spec 12): commands connect as the application role (database_url()); only
// `db start`, `db migrate`, the demo's setup and benchmarks' scratch databases use the owner
// role (owner_database_url(): USDCOP_OWNER_URL, else DATABASE_URL, else the managed cluster's
// owner).
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <string_view>

namespace usdcop::store {

// DATABASE_URL when set and not empty.
std::optional<std::string> external_database_url();
bool using_external_database();

// DATABASE_URL, else the managed cluster's URL of the `usdcop` database as the application
// role. Starts nothing.
std::string database_url();
// USDCOP_OWNER_URL, else DATABASE_URL, else the managed cluster's owner URL. Starts nothing.
std::string owner_database_url();

// Makes sure the database can be reached and returns its URL: with DATABASE_URL, checks that
// it answers; otherwise starts the managed cluster when it is not running (idempotent).
// Throws Error(unavailable) with the masked URL and the reason.
std::string ensure_database_running();
// ensure_database_running() and then checks, as the application role, that the schema is
// current (store::require_current_schema: Error(conflict) "run `usdcop db migrate`" when it
// is behind, conflict/integrity when newer or altered). Returns the application URL.
std::string prepare_database();
// ensure_database_running() and then applies pending migrations as the owner role; returns the
// application URL. For `db start`, `db migrate` and the demo only.
std::string migrate_database();

// Replaces the password of a URI (postgresql://user:secret@host) or a key=value string
// (password=secret), and any password= query parameter, with ***.
std::string mask_password(std::string_view url);
// The same server with another database name; works on URIs and key=value strings.
std::string url_with_database(const std::string& url, const std::string& database);
// The database named by a URL; empty when the URL does not name one (libpq's default).
std::string database_name(const std::string& url);

// A new connection with the session settings every usdcop connection uses (notices below
// WARNING are not printed, application_name = usdcop). Throws Error(unavailable) naming the
// masked URL when the database cannot be reached.
std::unique_ptr<pqxx::connection> open_connection(const std::string& url);
// Throws Error(unavailable) when a connection cannot be opened.
void require_reachable(const std::string& url);

// Quotes an SQL identifier ("name" with embedded quotes doubled).
std::string quote_identifier(std::string_view name);

}  // namespace usdcop::store
