#include "FrameClock.h"

#include <chrono>

FrameClock::FrameClock(int fps, TickFn tick) : fps_(fps), tick_(std::move(tick)) {}

FrameClock::~FrameClock() { stop(); }

void FrameClock::start() {
  quit_ = false;
  thread_ = std::thread([this] { run(); });
}

void FrameClock::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void FrameClock::run() {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto at = [&](uint64_t index) {
    return start + std::chrono::nanoseconds(int64_t(index) * 1000000000LL / fps_);
  };
  uint64_t index = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!quit_) {
    lock.unlock();
    tick_(index);
    lock.lock();
    ++index;
    const auto now = clock::now();
    if (now > at(index + 2)) {
      // Too far behind: jump to the current interval.
      index = uint64_t((now - start) / std::chrono::nanoseconds(1)) * uint64_t(fps_) / 1000000000ULL + 1;
    }
    cv_.wait_until(lock, at(index), [this] { return quit_; });
  }
}
