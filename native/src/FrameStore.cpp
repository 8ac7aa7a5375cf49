#include "FrameStore.h"

FrameStore::~FrameStore() { clear(); }

void FrameStore::put(GstBuffer* buffer, int64_t frameTimeUs, int64_t wallTimeUs) {
  GstBuffer* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    old = buffer_;
    buffer_ = buffer;
    bufferWallUs_ = wallTimeUs;
  }
  if (old) gst_buffer_unref(old);
  lastFrameUs_.store(frameTimeUs);
  framesIn_.fetch_add(1);
  std::lock_guard<std::mutex> lock(listenerMutex_);
  if (listener_) listener_();
}

void FrameStore::setListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(listenerMutex_);
  listener_ = std::move(listener);
}

GstBuffer* FrameStore::latest(int64_t* wallTimeUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (buffer_ == nullptr) return nullptr;
  if (wallTimeUs != nullptr) *wallTimeUs = bufferWallUs_;
  return gst_buffer_ref(buffer_);
}

void FrameStore::clear() {
  GstBuffer* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    old = buffer_;
    buffer_ = nullptr;
  }
  if (old) gst_buffer_unref(old);
}
