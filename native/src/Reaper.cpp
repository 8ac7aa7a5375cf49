#include "Reaper.h"

Reaper::Reaper() : thread_([this] { run(); }) {}

Reaper::~Reaper() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Reaper::reap(GstElement* pipeline, std::function<void()> done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back(pipeline, std::move(done));
  }
  cv_.notify_all();
}

bool Reaper::drain(int timeoutMs) {
  std::unique_lock<std::mutex> lock(mutex_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                      [this] { return queue_.empty() && !busy_; });
}

void Reaper::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return quit_ || !queue_.empty(); });
    if (queue_.empty()) return;  // quit_
    auto [p, done] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
    if (done) done();
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}
