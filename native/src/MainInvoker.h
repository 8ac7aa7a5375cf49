// Runs functions on the GLib main loop (the default main context) from any
// thread, and never once its owner has closed it: a branch posts events from
// GStreamer streaming threads this way and may be destroyed with posts
// still pending.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

class MainInvoker {
 public:
  MainInvoker();
  /// Closes: pending functions are dropped.
  ~MainInvoker();
  MainInvoker(const MainInvoker&) = delete;
  MainInvoker& operator=(const MainInvoker&) = delete;

  /// Queues fn for the main loop (an idle source at default priority). Any thread.
  void post(std::function<void()> fn);
  /// Functions not run yet are dropped. Main thread.
  void close();

 private:
  std::shared_ptr<std::atomic<bool>> open_;
};
