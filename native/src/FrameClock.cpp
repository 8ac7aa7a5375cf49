#include "FrameClock.h"

#include <algorithm>

FrameClock::FrameClock(int fps, TickFn tick) : fps_(fps), tick_(std::move(tick)) {}

FrameClock::~FrameClock() { stop(); }

void FrameClock::start() {
  quit_ = false;
  pending_ = false;
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

void FrameClock::notifyFrame() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = true;
    arrival_ = Clock::now();
  }
  cv_.notify_all();
}

void FrameClock::run() {
  const auto interval = std::chrono::nanoseconds(1000000000LL / fps_);  // T
  const auto part = [&](int percent) { return interval * percent / 100; };
  uint64_t index = 0;
  Clock::time_point last{};          // previous output
  bool lastWasRepeat = true;         // the previous output repeated a frame
  bool haveNewOut = false;           // some new frame has been output
  Clock::time_point lastNewArrival{};  // arrival of the latest new frame output

  std::unique_lock<std::mutex> lock(mutex_);
  while (!quit_) {
    const auto now = Clock::now();
    Clock::time_point due;
    if (index == 0) {
      due = now;  // the first frame (NO SIGNAL or the source's) at once
    } else if (pending_ && (!haveNewOut || arrival_ - lastNewArrival >= part(90))) {
      due = std::max(arrival_, last + (lastWasRepeat ? part(25) : part(50)));
    } else {
      // A repeat, or a thinned new frame (it goes out at the same time).
      due = last + (lastWasRepeat || pending_ ? interval : part(200));
    }
    if (now < due) {
      // Re-evaluates on a new frame (notifyFrame) as well as at `due`.
      cv_.wait_until(lock, due);
      continue;
    }
    const bool fresh = pending_;
    if (fresh) {
      haveNewOut = true;
      lastNewArrival = arrival_;
    }
    pending_ = false;
    lock.unlock();
    tick_(index);
    lock.lock();
    ++index;
    last = now;
    lastWasRepeat = !fresh;
  }
}
