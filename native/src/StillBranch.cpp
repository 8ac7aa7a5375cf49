#include "StillBranch.h"

#include <glib.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "Log.h"

StillBranch::StillBranch(int width, int height, int outputFps, SendFn send)
    : width_(width),
      height_(height),
      halfFrameUs_(int64_t(500000 / std::max(outputFps, 1))),
      send_(std::move(send)),
      encoder_(width, height) {}

StillBranch::~StillBranch() { stop(); }

const char* StillBranch::variantName(Variant v) { return v == kClean ? "clean" : "overlays"; }

bool StillBranch::parseVariant(const std::string& text, Variant& out) {
  if (text == "clean") out = kClean;
  else if (text == "overlays") out = kOverlays;
  else return false;
  return true;
}

void StillBranch::start() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void StillBranch::stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (Slot& s : slots_) {
    if (s.buffer) gst_buffer_unref(s.buffer);
    s.buffer = nullptr;
    s.busy = false;
  }
}

StillBranch::Settings StillBranch::configure(Variant v, bool enabled, double fps, int quality) {
  std::lock_guard<std::mutex> lock(mutex_);
  Slot& s = slots_[v];
  if (fps > 0) s.settings.fps = std::min(fps, kMaxFps);
  if (quality > 0) s.settings.quality = std::clamp(quality, 1, 100);
  s.settings.enabled = enabled;
  s.nextDueUs = 0;  // the next frame
  if (!enabled && s.buffer) {  // waiting, not encoding yet: never sent
    gst_buffer_unref(s.buffer);
    s.buffer = nullptr;
    s.busy = false;
  }
  anyEnabled_ = slots_[kClean].settings.enabled || slots_[kOverlays].settings.enabled;
  return s.settings;
}

StillBranch::Settings StillBranch::settings(Variant v) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_[v].settings;
}

double StillBranch::meanEncodeMs() const {
  const uint64_t n = sent_.load();
  return n ? double(encodeUsTotal_.load()) / 1000.0 / double(n) : 0.0;
}

void StillBranch::onFrame(GstBuffer* clean, const framemsg::Header& cleanInfo, GstBuffer* program,
                          const framemsg::Header& programInfo) {
  if (!anyEnabled_.load(std::memory_order_relaxed)) return;
  const int64_t now = g_get_monotonic_time();
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int v = 0; v < 2; ++v) {
      Slot& s = slots_[v];
      if (!s.settings.enabled || now + halfFrameUs_ < s.nextDueUs) continue;
      // Next slot one interval on; after a gap (late frame, just enabled)
      // count from now so stills never come in a burst.
      const int64_t interval = int64_t(1e6 / s.settings.fps);
      s.nextDueUs = std::max(s.nextDueUs + interval, now + interval - halfFrameUs_);
      if (s.busy) {
        dropped_++;
        continue;
      }
      s.busy = true;
      s.buffer = gst_buffer_ref(v == kClean ? clean : program);
      s.header = v == kClean ? cleanInfo : programInfo;
      s.header.requestId = uint32_t(v + 1);
      s.quality = s.settings.quality;
      wake = true;
    }
  }
  if (wake) cv_.notify_all();
}

void StillBranch::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  bool warned = false;
  while (!quit_) {
    Slot* due = nullptr;
    for (Slot& s : slots_) {
      if (s.buffer) {
        due = &s;
        break;
      }
    }
    if (due == nullptr) {
      cv_.wait(lock);
      continue;
    }
    GstBuffer* buffer = due->buffer;
    due->buffer = nullptr;  // taken: busy stays set until it is sent
    framemsg::Header header = due->header;
    const int quality = due->quality;
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    std::string payload, error;
    const bool ok = encoder_.jpeg(buffer, quality, header, payload, error);
    gst_buffer_unref(buffer);
    if (!ok && !warned) {
      warned = true;
      logWarn("stills: " + error);
    }
    lock.lock();
    due->busy = false;
    if (ok && due->settings.enabled) {  // switched off meanwhile: not sent
      encodeUsTotal_ += uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - started)
                                     .count());
      sent_++;
      lock.unlock();
      send_(payload);
      lock.lock();
    }
  }
}
