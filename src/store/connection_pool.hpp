#pragma once
// A fixed-size, lazily filled pool of libpqxx connections. acquire() hands out a Lease (RAII:
// the connection goes back to the pool when the lease dies). Connections are opened on demand
// up to the pool size; a broken connection (closed by the server, or a lease released while
// an exception unwinds and the connection no longer answers) is closed and replaced by a
// fresh one on the next acquire. Thread-safe. No session state is kept between leases apart
// from the settings of open_connection(), so the pool works behind PgBouncer (transaction mode).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace usdcop::store {

class ConnectionPool {
 public:
  static constexpr std::size_t kDefaultSize = 4;

  // Opens nothing yet. Throws std::invalid_argument when size is 0.
  explicit ConnectionPool(std::string url, std::size_t size = kDefaultSize,
                          std::chrono::milliseconds acquire_timeout = std::chrono::seconds(30));
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    pqxx::connection& operator*() const { return *conn_; }
    pqxx::connection* operator->() const { return conn_.get(); }
    pqxx::connection& get() const { return *conn_; }
    explicit operator bool() const { return conn_ != nullptr; }
    // The connection is in an unknown state: close it instead of returning it to the pool.
    void discard();

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> conn);
    void release() noexcept;
    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<pqxx::connection> conn_;
    int exceptions_at_acquire_ = 0;
  };

  // An idle connection, or a new one while fewer than size() are open; otherwise waits up to
  // the acquire timeout. Throws Error(unavailable) when the database cannot be reached or the
  // pool stays exhausted.
  Lease acquire();

  const std::string& url() const { return url_; }
  std::size_t size() const { return size_; }
  std::size_t open_connections() const;  // leased + idle
  std::size_t idle_connections() const;
  std::size_t connections_opened() const;  // since construction (reuse and replacement tests)

 private:
  void give_back(std::unique_ptr<pqxx::connection> conn, bool broken) noexcept;

  std::string url_;
  std::size_t size_;
  std::chrono::milliseconds acquire_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::size_t open_ = 0;
  std::size_t opened_total_ = 0;
};

}  // namespace usdcop::store
