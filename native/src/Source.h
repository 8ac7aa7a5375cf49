// A camera source: produces I420 frames of the output size into a FrameStore.
// Loss detection and restarts are done by SourceSupervisor.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

class Source {
 public:
  /// Reports that the running source failed (bus error, end of stream).
  /// May be called on any thread.
  using FailureFn = std::function<void(const std::string& reason)>;

  virtual ~Source() = default;
  /// Starts producing frames. Main thread. Returns false with error set when
  /// the source cannot even be started (treated like a failure: retried).
  virtual bool start(std::string& error) = 0;
  /// Stops producing frames; must not block for long. Main thread.
  virtual void stop() = 0;
  /// No new frame for this long means the source is lost, ms.
  virtual int timeoutMs() const = 0;
  /// Reason text for source_lost when frames stopped arriving.
  virtual std::string staleReason() const = 0;
  /// Whether a lost source is stopped and started again with backoff.
  virtual bool restartOnLoss() const { return true; }
  /// Source-specific figures for the stats notification (null: none). Any thread.
  virtual nlohmann::json stats() const { return nullptr; }
};
