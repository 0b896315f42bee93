// A run-wide memory budget and its arbiter (MM-1, MM-3). Whoever is about to hold many
// bytes (an operator's hash table, the result cache's memory tier, in-flight batches)
// reserves them first. When a reservation does not fit, the budget asks its reclaimers
// to give memory back — the cache evicts (priority 0) before operators spill (priority
// 1), the largest first — and only then refuses with OutOfMemoryError naming the holder,
// the bytes asked for, the budget and the largest holders.
//
//   auto budget = std::make_shared<MemoryBudget>(parse_memory_size("2GiB"));
//   MemoryBudget::Reservation table = budget->reserve(64 << 20, "HashJoin build (Revenue)");
//   table.grow(32 << 20);   // may trigger reclaiming; throws OutOfMemoryError if it cannot
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "setl/core/error.h"

namespace setl {

/// A reservation could not be met even after reclaiming. Blame: kResource.
class OutOfMemoryError : public ResourceError {
 public:
  using ResourceError::ResourceError;
};

/// A reservation would take a factory (or another part with its own cap, see
/// MemoryBudget::create_child) past its own limit, although the run's budget may have
/// room. Operators that can spill do so first; this is what is left. Blame: kResource.
class MemoryBudgetExceeded : public OutOfMemoryError {
 public:
  using OutOfMemoryError::OutOfMemoryError;
};

namespace memory {

/// Physical memory of this machine in bytes (0 if it cannot be read).
int64_t physical_memory_bytes();

/// "2GiB", "512MiB", "1.5GB", "800KB", "4096" (bytes; decimal units are powers of 1000,
/// binary ones of 1024), "60%" (of physical memory); "0", "" and "unlimited" mean no limit
/// (0). Throws: ConfigError naming the text and what is accepted.
int64_t parse_memory_size(std::string_view text);

/// Something that can give reserved memory back: it frees, then releases or shrinks its
/// reservations, and reports how much it freed.
class Reclaimer {
 public:
  virtual ~Reclaimer() = default;
  /// Who this is, for reports ("result cache", "HashJoin build (Revenue)").
  virtual std::string reclaimer_name() const = 0;
  /// Bytes it could free now.
  virtual int64_t reclaimable_bytes() const = 0;
  /// Frees up to `bytes` (or more, if it frees in larger units); returns what it freed.
  /// Called from the thread whose reservation is short, one reclaim round at a time. It
  /// may release, shrink and try_grow reservations but must not call reserve() or grow()
  /// (which could wait for this round), and the reclaimer's owner must not hold a lock
  /// reclaim() needs while it calls reserve() or grow().
  virtual int64_t reclaim(int64_t bytes) = 0;
  /// Lower goes first: 0 for caches, 1 for spilling operators.
  virtual int priority() const { return 1; }
};

class MemoryBudget;

/// Keeps a reclaimer registered with a budget while it lives. Declare it as the owner's
/// last member (or reset it first in the owner's destructor), so that no reclaim round
/// reaches a half-destroyed owner.
class ReclaimerRegistration {
 public:
  ReclaimerRegistration(std::shared_ptr<MemoryBudget> budget, Reclaimer* reclaimer);
  ~ReclaimerRegistration();
  ReclaimerRegistration(const ReclaimerRegistration&) = delete;
  ReclaimerRegistration& operator=(const ReclaimerRegistration&) = delete;

 private:
  std::shared_ptr<MemoryBudget> budget_;
  Reclaimer* reclaimer_;
};

class MemoryBudget {
 public:
  /// Bytes held under one name until released (movable; releases when destroyed).
  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    ~Reservation();

    int64_t bytes() const noexcept { return bytes_; }
    /// Reserves `bytes` more, reclaiming if needed. Throws: OutOfMemoryError.
    void grow(int64_t bytes);
    /// Like grow, but returns false instead of reclaiming or throwing.
    bool try_grow(int64_t bytes);
    /// Like grow (reclaiming if needed), but returns false instead of throwing: for
    /// holders that can spill when refused.
    bool try_grow_reclaiming(int64_t bytes);
    /// Gives back `bytes` (at most what is held).
    void shrink(int64_t bytes) noexcept;
    /// Takes over `other`'s bytes, which must be held for the same holder in the same
    /// budget (a reservation made without holding the lock that guards this one).
    void absorb(Reservation&& other);
    void release() noexcept;

   private:
    friend class MemoryBudget;
    Reservation(std::shared_ptr<MemoryBudget> budget, std::string holder, int64_t bytes);
    std::shared_ptr<MemoryBudget> budget_;
    std::string holder_;
    int64_t bytes_ = 0;
  };

  /// `limit` bytes; 0 means unlimited (reservations are still counted).
  static std::shared_ptr<MemoryBudget> create(int64_t limit);
  /// A budget of at most `limit` bytes (0: no own limit) whose reservations also count
  /// in `parent` (a factory's max_memory inside the run's budget). Past its own limit a
  /// reservation fails with MemoryBudgetExceeded naming `name`; past the parent's, the
  /// parent reclaims and may fail with OutOfMemoryError.
  static std::shared_ptr<MemoryBudget> create_child(int64_t limit,
                                                    std::shared_ptr<MemoryBudget> parent,
                                                    std::string name);

  /// Reserves `bytes` for `holder`, reclaiming if needed. Throws: OutOfMemoryError.
  Reservation reserve(int64_t bytes, std::string holder);
  /// Reserves only if it fits without reclaiming; an empty reservation (0 bytes) if not.
  Reservation try_reserve(int64_t bytes, std::string holder);

  ~MemoryBudget();
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  int64_t limit() const noexcept { return limit_; }
  int64_t used() const;
  /// Highest used() so far.
  int64_t peak() const;
  /// Current holders with their bytes, largest first.
  std::vector<std::pair<std::string, int64_t>> holders() const;

  /// Registers a reclaimer (with the parent, for a child budget: reclaiming is the run's);
  /// remove it before it is destroyed (removal waits for a running reclaim round, so the
  /// reclaimer is not called afterwards).
  void add_reclaimer(Reclaimer* reclaimer);
  void remove_reclaimer(Reclaimer* reclaimer);

 private:
  MemoryBudget(int64_t limit, std::shared_ptr<MemoryBudget> parent, std::string name)
      : limit_(limit), parent_(std::move(parent)), name_(std::move(name)) {}
  // Adds `bytes` to `holder` if they fit here and in the parents (or the budget is
  // unlimited).
  bool take(const std::string& holder, int64_t bytes);
  // Adds `bytes` here only, if they fit under the own limit.
  bool take_here(const std::string& holder, int64_t bytes);
  [[noreturn]] void refuse(const std::string& holder, int64_t bytes) const;
  void give_back(const std::string& holder, int64_t bytes) noexcept;
  void give_back_here(const std::string& holder, int64_t bytes) noexcept;
  // Reclaims until `bytes` fit or nobody can free more; then takes them or throws.
  void take_or_reclaim(const std::string& holder, int64_t bytes);

  const int64_t limit_;
  const std::shared_ptr<MemoryBudget> parent_;
  const std::string name_;
  std::weak_ptr<MemoryBudget> self_;
  mutable std::mutex mutex_;
  std::mutex reclaim_mutex_;  // one reclaim round at a time; held while reclaimers run
  int64_t used_ = 0;
  int64_t peak_ = 0;
  std::map<std::string, int64_t> held_;
  std::vector<Reclaimer*> reclaimers_;
};

}  // namespace memory
}  // namespace setl
