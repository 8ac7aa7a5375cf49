#include "SourceSupervisor.h"

#include <algorithm>

#include "Log.h"
#include "SourceFactory.h"

const char* sourceStateName(SourceState state) {
  switch (state) {
    case SourceState::Starting: return "starting";
    case SourceState::Live: return "live";
    case SourceState::Lost: return "lost";
  }
  return "starting";
}

SourceSupervisor::SourceSupervisor(const SourceSpec& spec, const Options& options,
                                   FrameStore& store, Reaper& reaper, Events events)
    : store_(store), events_(std::move(events)) {
  source_ = makeSource(spec, options, store, reaper, [this](const std::string& reason) {
    std::lock_guard<std::mutex> lock(failureMutex_);
    if (pendingFailure_.empty()) pendingFailure_ = reason.empty() ? "source error" : reason;
  });
}

SourceSupervisor::~SourceSupervisor() { stop(); }

void SourceSupervisor::start() {
  beginAttempt();
  tickSource_ = g_timeout_add(kTickMs, &SourceSupervisor::onTick, this);
}

void SourceSupervisor::stop() {
  if (tickSource_) g_source_remove(tickSource_);
  tickSource_ = 0;
  if (running_) endAttempt();
}

gboolean SourceSupervisor::onTick(gpointer self) {
  static_cast<SourceSupervisor*>(self)->tick();
  return G_SOURCE_CONTINUE;
}

void SourceSupervisor::beginAttempt() {
  {
    std::lock_guard<std::mutex> lock(failureMutex_);
    pendingFailure_.clear();
  }
  ++attempt_;
  attemptStartUs_ = g_get_monotonic_time();
  framesAtAttempt_ = store_.framesIn();
  std::string error;
  running_ = true;
  if (attempt_ > 1) logInfo("restarting source (attempt " + std::to_string(attempt_) + ")");
  if (!source_->start(error)) {
    std::lock_guard<std::mutex> lock(failureMutex_);
    pendingFailure_ = error;  // handled like a runtime failure on the next tick
  }
}

void SourceSupervisor::endAttempt() {
  source_->stop();
  running_ = false;
  std::lock_guard<std::mutex> lock(failureMutex_);
  pendingFailure_.clear();
}

void SourceSupervisor::scheduleRestart(int64_t nowUs) {
  restartAtUs_ = nowUs + int64_t(backoffMs_) * 1000;
  logDebug("source restart in " + std::to_string(backoffMs_) + " ms");
  backoffMs_ = std::min(backoffMs_ * 2, kBackoffMaxMs);
}

void SourceSupervisor::markLost(const std::string& reason) {
  state_ = SourceState::Lost;
  lostSinceUs_ = g_get_monotonic_time();
  store_.clear();
  logWarn("source lost: " + reason);
  if (events_.lost) events_.lost(reason);
}

void SourceSupervisor::tick() {
  const int64_t now = g_get_monotonic_time();
  if (!running_) {
    if (now >= restartAtUs_) beginAttempt();
    return;
  }

  std::string failure;
  {
    std::lock_guard<std::mutex> lock(failureMutex_);
    failure.swap(pendingFailure_);
  }
  const bool restart = source_->restartOnLoss();
  if (!failure.empty()) {
    if (state_ != SourceState::Lost) {
      markLost(failure);
    } else {
      logDebug("source still failing: " + failure);
    }
    if (restart) {
      endAttempt();
      scheduleRestart(now);
    }
    return;
  }

  const int64_t timeoutUs = int64_t(source_->timeoutMs()) * 1000;
  const bool gotFrame = store_.framesIn() > framesAtAttempt_;
  const bool fresh = gotFrame && now - store_.lastFrameUs() <= timeoutUs;
  const SourceState state = state_.load();

  if (state == SourceState::Live) {
    if (!fresh) {
      markLost(source_->staleReason());
      if (restart) {
        endAttempt();
        scheduleRestart(now);
      }
    }
    return;
  }
  if (fresh) {
    state_ = SourceState::Live;
    backoffMs_ = kBackoffMinMs;
    if (state == SourceState::Lost) {
      const int64_t afterMs = (now - lostSinceUs_) / 1000;
      logInfo("source recovered after " + std::to_string(afterMs) + " ms");
      if (events_.recovered) events_.recovered(afterMs);
    } else {
      logInfo("source live");
    }
    return;
  }
  if (now - attemptStartUs_ > timeoutUs) {
    if (state == SourceState::Starting) markLost(source_->staleReason());
    if (restart) {
      endAttempt();
      scheduleRestart(now);
    }
  }
}
