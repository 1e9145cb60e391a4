#include "store/connection_pool.hpp"

#include <exception>
#include <pqxx/nontransaction>
#include <stdexcept>

#include "core/error.hpp"
#include "store/database.hpp"

namespace usdcop::store {

ConnectionPool::ConnectionPool(std::string url, std::size_t size,
                               std::chrono::milliseconds acquire_timeout)
    : url_(std::move(url)), size_(size), acquire_timeout_(acquire_timeout) {
  if (size_ == 0) throw std::invalid_argument("ConnectionPool size must be at least 1");
}

ConnectionPool::~ConnectionPool() {
  std::lock_guard lock(mutex_);
  idle_.clear();
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> c = std::move(idle_.back());
      idle_.pop_back();
      if (c->is_open()) return Lease(this, std::move(c));
      --open_;  // closed underneath us: drop it, a fresh one replaces it below
    }
    if (open_ < size_) break;
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size_) {
      throw Error(ErrorKind::unavailable, "no database connection became free within " +
                                              std::to_string(acquire_timeout_.count()) +
                                              " ms (pool of " + std::to_string(size_) + ")");
    }
  }
  ++open_;  // reserve the slot, connect without holding the lock
  lock.unlock();
  try {
    auto c = open_connection(url_);
    lock.lock();
    ++opened_total_;
    lock.unlock();
    return Lease(this, std::move(c));
  } catch (...) {
    lock.lock();
    --open_;
    lock.unlock();
    available_.notify_one();
    throw;
  }
}

void ConnectionPool::give_back(std::unique_ptr<pqxx::connection> conn, bool broken) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (broken || !conn->is_open()) {
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  conn.reset();  // a broken one is closed outside the lock
  available_.notify_one();
}

std::size_t ConnectionPool::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t ConnectionPool::idle_connections() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

std::size_t ConnectionPool::connections_opened() const {
  std::lock_guard lock(mutex_);
  return opened_total_;
}

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> conn)
    : pool_(pool), conn_(std::move(conn)), exceptions_at_acquire_(std::uncaught_exceptions()) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      conn_(std::move(other.conn_)),
      exceptions_at_acquire_(other.exceptions_at_acquire_) {
  other.pool_ = nullptr;
}

ConnectionPool::Lease& ConnectionPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = other.pool_;
    conn_ = std::move(other.conn_);
    exceptions_at_acquire_ = other.exceptions_at_acquire_;
    other.pool_ = nullptr;
  }
  return *this;
}

ConnectionPool::Lease::~Lease() {
  release();
}

void ConnectionPool::Lease::discard() {
  if (pool_ && conn_) pool_->give_back(std::move(conn_), true);
  pool_ = nullptr;
}

void ConnectionPool::Lease::release() noexcept {
  if (!pool_ || !conn_) return;
  bool broken = !conn_->is_open();
  if (!broken && std::uncaught_exceptions() > exceptions_at_acquire_) {
    // Released while an exception unwinds: it may have been a lost connection. Probe it.
    try {
      pqxx::nontransaction probe(*conn_);
      probe.exec("SELECT 1");
    } catch (...) {
      broken = true;
    }
  }
  pool_->give_back(std::move(conn_), broken);
  pool_ = nullptr;
}

}  // namespace usdcop::store
