#include "AnalysisBranch.h"

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "FrameMessage.h"
#include "Log.h"

AnalysisBranch::AnalysisBranch(const Options& options, FrameStore& store, LiveFn live, SendFn send)
    : store_(store),
      live_(std::move(live)),
      send_(std::move(send)),
      outWidth_(options.width),
      outHeight_(options.height) {
  fitSize(options.width, options.height, options.analysisWidth, options.analysisHeight, width_,
          height_);
  if (options.analysisFps > 0) {
    fps_ = options.analysisFps;
    enabled_ = true;
  }
}

AnalysisBranch::~AnalysisBranch() { stop(); }

void AnalysisBranch::fitSize(int outWidth, int outHeight, int boxWidth, int boxHeight, int& width,
                             int& height) {
  const double scale = std::min({1.0, double(boxWidth) / outWidth, double(boxHeight) / outHeight});
  width = std::max(2, int(std::lround(outWidth * scale / 2.0)) * 2);
  height = std::max(2, int(std::lround(outHeight * scale / 2.0)) * 2);
  width = std::min(width, outWidth);
  height = std::min(height, outHeight);
}

void AnalysisBranch::start() {
  converter_ = std::make_unique<RgbConverter>(outWidth_, outHeight_, width_, height_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = false;
    nextSlot_ = Clock::now();
  }
  thread_ = std::thread([this] { run(); });
  listenerId_ = store_.addListener([this] {
    if (!enabled_.load(std::memory_order_relaxed)) return;  // off: no cost beyond this
    {
      std::lock_guard<std::mutex> lock(mutex_);
      newFrame_ = true;
    }
    cv_.notify_all();
  });
}

void AnalysisBranch::stop() {
  if (listenerId_) store_.removeListener(listenerId_);
  listenerId_ = 0;
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AnalysisBranch::configure(bool enabled, double fps) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fps > 0) fps_ = fps;
    inFlight_ = 0;
    nextSlot_ = Clock::now();
    enabled_ = enabled;
  }
  cv_.notify_all();
}

double AnalysisBranch::fps() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fps_;
}

uint64_t AnalysisBranch::inFlight() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return inFlight_;
}

void AnalysisBranch::onClient(uint64_t generation) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_ = generation;
    inFlight_ = 0;
  }
  cv_.notify_all();
}

bool AnalysisBranch::ack(uint64_t frame) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (frame == 0 || frame != inFlight_) return false;
    inFlight_ = 0;
  }
  cv_.notify_all();
  return true;
}

void AnalysisBranch::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!quit_) {
    if (!enabled_.load()) {
      cv_.wait(lock);
      continue;
    }
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / fps_));
    const auto now = Clock::now();
    if (inFlight_ != 0) {
      // Blocked on the acknowledgement: each slot that passes with a new
      // frame waiting is a dropped analysis frame.
      if (newFrame_ && now >= nextSlot_) {
        dropped_++;
        nextSlot_ += interval;
        if (nextSlot_ < now) nextSlot_ = now + interval;
        continue;
      }
      if (newFrame_) cv_.wait_until(lock, nextSlot_);
      else cv_.wait(lock);
      continue;
    }
    if (!newFrame_) {
      cv_.wait(lock);  // sent on the arrival of the next source frame
      continue;
    }
    if (now < nextSlot_) {
      cv_.wait_until(lock, nextSlot_);
      continue;
    }
    newFrame_ = false;
    if (sendLatest(lock)) {
      // On time (or a little late, waiting for a source frame): keep the
      // phase, so the average rate is the configured one. Long overdue
      // (first frame, after an acknowledgement wait): start a new phase.
      nextSlot_ = now - nextSlot_ > interval ? now + interval : nextSlot_ + interval;
    }
  }
}

bool AnalysisBranch::sendLatest(std::unique_lock<std::mutex>& lock) {
  const uint64_t generation = generation_;
  const uint64_t lastSeq = lastSeq_;
  lock.unlock();
  int64_t captureUs = 0;
  uint64_t seq = 0;
  GstBuffer* source = live_() ? store_.latest(&captureUs, &seq) : nullptr;
  if (source != nullptr && seq <= lastSeq) {  // nothing newer (e.g. the wake-up raced a send)
    gst_buffer_unref(source);
    source = nullptr;
  }
  std::string payload;
  if (source != nullptr) {
    framemsg::Header header;
    header.format = framemsg::kRgb24;
    header.frame = seq;
    header.captureUs = uint64_t(captureUs);
    header.width = uint16_t(width_);
    header.height = uint16_t(height_);
    header.stride = uint32_t(converter_->stride());
    payload = framemsg::makePayload(header, converter_->size());
    if (!converter_->convert(source, reinterpret_cast<uint8_t*>(&payload[framemsg::kHeaderSize]))) {
      logWarn("analysis: cannot convert a source frame");
      payload.clear();
    }
    gst_buffer_unref(source);
  }
  lock.lock();
  if (payload.empty()) return false;
  lastSeq_ = seq;
  if (generation != generation_ || !enabled_.load()) return false;  // changed meanwhile
  inFlight_ = seq;
  sent_++;
  lock.unlock();
  send_(generation, payload);
  lock.lock();
  return true;
}
