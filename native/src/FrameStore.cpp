#include "FrameStore.h"

FrameStore::~FrameStore() { clear(); }

void FrameStore::put(GstBuffer* buffer, int64_t frameTimeUs, int64_t wallTimeUs) {
  GstBuffer* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    old = buffer_;
    buffer_ = buffer;
    bufferWallUs_ = wallTimeUs;
    bufferSeq_ = framesIn_.fetch_add(1) + 1;
  }
  if (old) gst_buffer_unref(old);
  lastFrameUs_.store(frameTimeUs);
  std::lock_guard<std::mutex> lock(listenerMutex_);
  for (auto& entry : listeners_) entry.second();
}

int FrameStore::addListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(listenerMutex_);
  const int id = nextListenerId_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void FrameStore::removeListener(int id) {
  std::lock_guard<std::mutex> lock(listenerMutex_);
  listeners_.erase(id);
}

GstBuffer* FrameStore::latest(int64_t* wallTimeUs, uint64_t* seq) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (buffer_ == nullptr) return nullptr;
  if (wallTimeUs != nullptr) *wallTimeUs = bufferWallUs_;
  if (seq != nullptr) *seq = bufferSeq_;
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
