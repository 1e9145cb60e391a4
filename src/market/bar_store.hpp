#pragma once
// Persistence port for bars, implemented by the store module (PostgreSQL).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "market/bar.hpp"

namespace usdcop::market {

struct RejectedBar {
  std::string source;
  long line = 0;       // 1-based line in the input, 0 when not from a file
  std::string raw;     // the input exactly as received
  std::string reason;  // reject_reason code
  std::string detail;
  std::optional<Timestamp> time;  // when it parsed
};

struct BarFlag {
  Timestamp time;
  std::string rule;  // "jump", "holiday"
  double value = 0;  // e.g. the close-to-close change
  std::string detail;
};

struct BarWriteResult {
  long inserted = 0;           // new rows
  long identical = 0;          // already stored with the same values: no-op
  long replaced = 0;           // different values overwritten (replace = true)
  std::vector<Bar> conflicts;  // different values kept as stored (replace = false)
};

// Everything one input produces: written together or not at all.
struct BarImportBatch {
  std::vector<Bar> bars;  // unique times
  std::string source;
  bool replace = false;
  std::vector<RejectedBar> rejects;
  std::vector<BarFlag> flags;
};

struct BarImportWrite {
  BarWriteResult bars;
  long new_flags = 0;    // flags not recorded before for the same (time, rule)
  long new_rejects = 0;  // rejects not recorded before (same source, line, reason and raw text)
};

class BarStore {
 public:
  virtual ~BarStore() = default;
  // Writes bars in one transaction. Conflicting bars are returned, not written, unless replace
  // is true.
  virtual BarWriteResult write_bars(const std::vector<Bar>& bars, const std::string& source,
                                    bool replace) = 0;
  // One input's bars, rejects and flags in ONE transaction (a crash leaves all or nothing).
  // `complete` runs inside it after the bars are written, with their result, to add the
  // rejects and drop the flags that depend on it (conflicts). A reject already recorded with
  // the same source, line, reason and raw text is not recorded again; a flag already recorded
  // for the same (time, rule) is left as it is.
  using CompleteImport = std::function<void(const BarWriteResult&, BarImportBatch&)>;
  virtual BarImportWrite write_import(BarImportBatch& batch, const CompleteImport& complete) = 0;
  // Bars with from <= time < to, oldest first.
  virtual std::vector<Bar> load_bars(Timestamp from, Timestamp to) = 0;
  // The latest stored bar strictly before t, if any.
  virtual std::optional<Bar> bar_before(Timestamp t) = 0;
};

}  // namespace usdcop::market
