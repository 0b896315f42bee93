// Small factories shared by the workflow tests.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "setl/workflow/factory.h"

namespace setl::workflow::test {

struct Order {
  int id;
  double amount;
};

template <class T>
struct Dataset {
  std::vector<T> rows;
};
struct Citizen {
  std::string name;
};
struct Country {
  std::string code;
};

// Records lifecycle calls from any thread.
class CallLog {
 public:
  void add(std::string entry) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  std::vector<std::string> entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> entries_;
};

class OrdersFactory : public Factory<std::vector<Order>> {
 public:
  std::vector<Order> process() override { return {{1, 10.0}, {2, 20.0}, {3, 30.5}}; }
};

class MoreOrdersFactory : public Factory<std::vector<Order>> {
 public:
  std::vector<Order> process() override { return {{4, 1.0}}; }
};

// Sums the orders it receives, optionally scaled by an external factor.
class RevenueFactory : public Factory<double> {
 public:
  Delivery<std::vector<Order>> orders{this};
  Delivery<double> factor{this, {.id = "factor", .optional = true}};

  double process() override {
    double total = 0;
    for (const Order& order : *orders) {
      total += order.amount;
    }
    return total * factor.value_or(1.0);
  }
};

// Produces a constant, for tests that only need a typed output.
template <class T>
class ConstantFactory : public Factory<T> {
 public:
  explicit ConstantFactory(T value) : value_(std::move(value)) {}
  T process() override { return value_; }

 private:
  T value_;
};

// Returns its input plus one; used for chains.
class IncrementFactory : public Factory<int> {
 public:
  explicit IncrementFactory(std::string producer = {})
      : input{this, {.producer = std::move(producer)}} {}
  Delivery<int> input;
  int process() override { return *input + 1; }
};

}  // namespace setl::workflow::test
