// Watches a Source: decides live / lost, restarts it with backoff
// (500 ms doubling to 5 s) and reports source_lost / source_recovered.
// Runs on the GLib main loop.
#pragma once

#include <glib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "FrameStore.h"
#include "Options.h"
#include "Reaper.h"
#include "Source.h"
#include "SourceUri.h"

enum class SourceState { Starting, Live, Lost };
const char* sourceStateName(SourceState state);

class SourceSupervisor {
 public:
  /// Check period, ms.
  static constexpr int kTickMs = 50;
  static constexpr int kBackoffMinMs = 500;
  static constexpr int kBackoffMaxMs = 5000;

  struct Events {
    std::function<void(const std::string& reason)> lost;
    std::function<void(int64_t afterMs)> recovered;
  };

  SourceSupervisor(const SourceSpec& spec, const Options& options, FrameStore& store,
                   Reaper& reaper, Events events);
  ~SourceSupervisor();

  void start();
  void stop();
  /// Any thread.
  SourceState state() const { return state_.load(); }
  /// The running source's own figures (Source::stats), null when it has none.
  nlohmann::json sourceStats() const { return source_ ? source_->stats() : nlohmann::json(nullptr); }

 private:
  static gboolean onTick(gpointer self);
  void tick();
  void beginAttempt();
  void endAttempt();
  void markLost(const std::string& reason);
  void scheduleRestart(int64_t nowUs);

  FrameStore& store_;
  Events events_;
  std::unique_ptr<Source> source_;
  std::atomic<SourceState> state_{SourceState::Starting};
  guint tickSource_ = 0;

  std::mutex failureMutex_;
  std::string pendingFailure_;  // set by Source::FailureFn, handled by tick()

  uint64_t attempt_ = 0;         // current attempt number (1-based)
  bool running_ = false;         // source started in this attempt
  int64_t attemptStartUs_ = 0;   // monotonic µs
  uint64_t framesAtAttempt_ = 0; // store_.framesIn() when the attempt began
  int64_t restartAtUs_ = 0;      // when stopped: next start time, monotonic µs
  int backoffMs_ = kBackoffMinMs;
  int64_t lostSinceUs_ = 0;
};
