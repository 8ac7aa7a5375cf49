#include "FrameStore.h"

FrameStore::~FrameStore() { clear(); }

void FrameStore::put(GstBuffer* buffer, int64_t frameTimeUs) {
  GstBuffer* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    old = buffer_;
    buffer_ = buffer;
  }
  if (old) gst_buffer_unref(old);
  lastFrameUs_.store(frameTimeUs);
  framesIn_.fetch_add(1);
}

GstBuffer* FrameStore::latest() {
  std::lock_guard<std::mutex> lock(mutex_);
  return buffer_ ? gst_buffer_ref(buffer_) : nullptr;
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
