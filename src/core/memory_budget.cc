#include "setl/core/memory_budget.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <unistd.h>

#include "setl/core/memory.h"

namespace setl::memory {
namespace {

std::string lower(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

[[noreturn]] void bad_size(std::string_view text, const std::string& why) {
  throw ConfigError("memory size '" + std::string(text) + "': " + why +
                    "; expected bytes with an optional unit (KB, MB, GB, TB or KiB, MiB, GiB, "
                    "TiB), a percentage of physical memory such as 60%, or 'unlimited'");
}

}  // namespace

int64_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) {
    return 0;
  }
  return static_cast<int64_t>(pages) * static_cast<int64_t>(page_size);
}

int64_t parse_memory_size(std::string_view text) {
  std::string t = lower(text);
  if (t.empty() || t == "0" || t == "unlimited" || t == "none") {
    return 0;
  }
  double number = 0;
  auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), number);
  if (error != std::errc() || end == t.data() || !std::isfinite(number) || number < 0) {
    bad_size(text, "no number");
  }
  std::string unit(end, static_cast<const char*>(t.data() + t.size()));
  static const std::map<std::string, double> kUnits = {{"", 1},
                                                       {"b", 1},
                                                       {"k", 1024.0},
                                                       {"kb", 1e3},
                                                       {"kib", 1024.0},
                                                       {"m", 1024.0 * 1024},
                                                       {"mb", 1e6},
                                                       {"mib", 1024.0 * 1024},
                                                       {"g", 1073741824.0},
                                                       {"gb", 1e9},
                                                       {"gib", 1073741824.0},
                                                       {"t", 1099511627776.0},
                                                       {"tb", 1e12},
                                                       {"tib", 1099511627776.0}};
  double bytes = 0;
  if (unit == "%") {
    if (number <= 0 || number > 100) {
      bad_size(text, "a percentage must be above 0 and at most 100");
    }
    int64_t physical = physical_memory_bytes();
    if (physical == 0) {
      bad_size(text, "physical memory is unknown on this machine; give bytes");
    }
    bytes = static_cast<double>(physical) * number / 100;
  } else {
    auto found = kUnits.find(unit);
    if (found == kUnits.end()) {
      bad_size(text, "unknown unit '" + unit + "'");
    }
    bytes = number * found->second;
  }
  if (bytes >= 9.2e18) {
    bad_size(text, "too large");
  }
  if (bytes < 1) {
    bad_size(text, "below one byte; write 'unlimited' for no limit");
  }
  return static_cast<int64_t>(bytes);
}

std::shared_ptr<MemoryBudget> MemoryBudget::create(int64_t limit) {
  if (limit < 0) {
    throw ConfigError("a memory budget cannot be negative (" + std::to_string(limit) + ")");
  }
  std::shared_ptr<MemoryBudget> budget(new MemoryBudget(limit, nullptr, {}));
  budget->self_ = budget;
  budget_created(limit);
  return budget;
}

MemoryBudget::~MemoryBudget() {
  if (!parent_) {
    budget_destroyed(limit_);
  }
}

std::shared_ptr<MemoryBudget> MemoryBudget::create_child(int64_t limit,
                                                         std::shared_ptr<MemoryBudget> parent,
                                                         std::string name) {
  if (limit < 0) {
    throw ConfigError("a memory budget cannot be negative (" + std::to_string(limit) + ")");
  }
  if (!parent) {
    parent = create(0);
  }
  std::shared_ptr<MemoryBudget> budget(new MemoryBudget(limit, std::move(parent), std::move(name)));
  budget->self_ = budget;
  return budget;
}

bool MemoryBudget::take_here(const std::string& holder, int64_t bytes) {
  std::lock_guard lock(mutex_);
  if (limit_ > 0 && used_ + bytes > limit_) {
    return false;
  }
  used_ += bytes;
  peak_ = std::max(peak_, used_);
  held_[holder] += bytes;
  return true;
}

bool MemoryBudget::take(const std::string& holder, int64_t bytes) {
  if (!take_here(holder, bytes)) {
    return false;
  }
  if (parent_ && !parent_->take(holder, bytes)) {
    give_back_here(holder, bytes);
    return false;
  }
  return true;
}

void MemoryBudget::give_back_here(const std::string& holder, int64_t bytes) noexcept {
  std::lock_guard lock(mutex_);
  used_ -= bytes;
  auto found = held_.find(holder);
  if (found != held_.end() && (found->second -= bytes) <= 0) {
    held_.erase(found);
  }
}

void MemoryBudget::give_back(const std::string& holder, int64_t bytes) noexcept {
  give_back_here(holder, bytes);
  if (parent_) {
    parent_->give_back(holder, bytes);
  }
}

void MemoryBudget::take_or_reclaim(const std::string& holder, int64_t bytes) {
  if (bytes < 0) {
    throw InternalError("negative memory reservation for " + holder);
  }
  if (take(holder, bytes)) {
    return;
  }
  if (parent_) {
    // Over the own limit: nothing here to reclaim. Otherwise the parent reclaims (or
    // throws), and the bytes are then counted here as well.
    if (!take_here(holder, bytes)) {
      refuse(holder, bytes);
    }
    try {
      parent_->take_or_reclaim(holder, bytes);
    } catch (...) {
      give_back_here(holder, bytes);
      throw;
    }
    return;
  }
  // Ask the reclaimers in turn: lowest priority first, then the most reclaimable.
  std::lock_guard round(reclaim_mutex_);
  while (true) {
    std::vector<Reclaimer*> candidates;
    int64_t shortfall = 0;
    {
      std::lock_guard lock(mutex_);
      candidates = reclaimers_;
      shortfall = used_ + bytes - limit_;
    }
    std::stable_sort(candidates.begin(), candidates.end(), [](Reclaimer* a, Reclaimer* b) {
      if (a->priority() != b->priority()) {
        return a->priority() < b->priority();
      }
      return a->reclaimable_bytes() > b->reclaimable_bytes();
    });
    int64_t freed = 0;
    for (Reclaimer* reclaimer : candidates) {
      if (shortfall - freed <= 0) {
        break;
      }
      if (reclaimer->reclaimable_bytes() > 0) {
        freed += reclaimer->reclaim(shortfall - freed);
      }
    }
    if (take(holder, bytes)) {
      return;
    }
    if (freed <= 0) {
      break;
    }
  }
  refuse(holder, bytes);
}

void MemoryBudget::refuse(const std::string& holder, int64_t bytes) const {
  std::string top;
  for (const auto& [name, held] : holders()) {
    if (top.size() > 200) {
      break;
    }
    top += (top.empty() ? "" : ", ") + name + " " + format_bytes(held);
  }
  if (parent_) {
    throw MemoryBudgetExceeded(
        holder + " asked for " + format_bytes(bytes) + " of memory, but " + name_ +
        "'s max_memory of " + format_bytes(limit_) + " has " + format_bytes(used()) +
        " reserved (largest holders: " + (top.empty() ? std::string("none") : top) + "); raise " +
        name_ + "'s max_memory or lower its memory needs");
  }
  throw OutOfMemoryError(holder + " asked for " + format_bytes(bytes) +
                         " of memory, but the budget of " + format_bytes(limit_) + " has " +
                         format_bytes(used()) +
                         " reserved and nothing more could be reclaimed (largest holders: " +
                         (top.empty() ? std::string("none") : top) +
                         "); raise memory.limit or lower the work's memory needs");
}

MemoryBudget::Reservation MemoryBudget::reserve(int64_t bytes, std::string holder) {
  take_or_reclaim(holder, bytes);
  return Reservation(self_.lock(), std::move(holder), bytes);
}

MemoryBudget::Reservation MemoryBudget::try_reserve(int64_t bytes, std::string holder) {
  if (bytes < 0 || !take(holder, bytes)) {
    return Reservation(self_.lock(), std::move(holder), 0);
  }
  return Reservation(self_.lock(), std::move(holder), bytes);
}

int64_t MemoryBudget::used() const {
  std::lock_guard lock(mutex_);
  return used_;
}

int64_t MemoryBudget::peak() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

std::vector<std::pair<std::string, int64_t>> MemoryBudget::holders() const {
  std::vector<std::pair<std::string, int64_t>> out;
  {
    std::lock_guard lock(mutex_);
    out.assign(held_.begin(), held_.end());
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

void MemoryBudget::add_reclaimer(Reclaimer* reclaimer) {
  if (parent_) {
    parent_->add_reclaimer(reclaimer);
    return;
  }
  std::lock_guard lock(mutex_);
  reclaimers_.push_back(reclaimer);
}

void MemoryBudget::remove_reclaimer(Reclaimer* reclaimer) {
  if (parent_) {
    parent_->remove_reclaimer(reclaimer);
    return;
  }
  std::lock_guard round(reclaim_mutex_);
  std::lock_guard lock(mutex_);
  std::erase(reclaimers_, reclaimer);
}

MemoryBudget::Reservation::Reservation(std::shared_ptr<MemoryBudget> budget, std::string holder,
                                       int64_t bytes)
    : budget_(std::move(budget)), holder_(std::move(holder)), bytes_(bytes) {}

MemoryBudget::Reservation::Reservation(Reservation&& other) noexcept
    : budget_(std::move(other.budget_)),
      holder_(std::move(other.holder_)),
      bytes_(std::exchange(other.bytes_, 0)) {}

MemoryBudget::Reservation& MemoryBudget::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = std::move(other.budget_);
    holder_ = std::move(other.holder_);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

MemoryBudget::Reservation::~Reservation() {
  release();
}

void MemoryBudget::Reservation::grow(int64_t bytes) {
  budget_->take_or_reclaim(holder_, bytes);
  bytes_ += bytes;
}

bool MemoryBudget::Reservation::try_grow(int64_t bytes) {
  if (bytes < 0 || !budget_->take(holder_, bytes)) {
    return false;
  }
  bytes_ += bytes;
  return true;
}

bool MemoryBudget::Reservation::try_grow_reclaiming(int64_t bytes) {
  if (try_grow(bytes)) {
    return true;
  }
  try {
    grow(bytes);
    return true;
  } catch (const OutOfMemoryError&) {
    return false;
  }
}

void MemoryBudget::Reservation::shrink(int64_t bytes) noexcept {
  bytes = std::clamp<int64_t>(bytes, 0, bytes_);
  if (bytes > 0 && budget_) {
    budget_->give_back(holder_, bytes);
    bytes_ -= bytes;
  }
}

void MemoryBudget::Reservation::absorb(Reservation&& other) {
  if (other.bytes_ == 0) {
    return;
  }
  if (other.budget_ != budget_ || other.holder_ != holder_) {
    throw InternalError("cannot merge the reservation of " + other.holder_ + " into " + holder_);
  }
  bytes_ += std::exchange(other.bytes_, 0);
}

void MemoryBudget::Reservation::release() noexcept {
  shrink(bytes_);
}

ReclaimerRegistration::ReclaimerRegistration(std::shared_ptr<MemoryBudget> budget,
                                             Reclaimer* reclaimer)
    : budget_(std::move(budget)), reclaimer_(reclaimer) {
  budget_->add_reclaimer(reclaimer_);
}

ReclaimerRegistration::~ReclaimerRegistration() {
  budget_->remove_reclaimer(reclaimer_);
}

}  // namespace setl::memory
