#include "FrameGrabber.h"

#include <chrono>
#include <cstring>
#include <vector>

#include "JpegEncoder.h"

FrameGrabber::FrameGrabber(int width, int height, DoneFn done)
    : width_(width), height_(height), done_(std::move(done)) {}

FrameGrabber::~FrameGrabber() { stop(); }

void FrameGrabber::start() {
  quit_ = false;
  thread_ = std::thread([this] { run(); });
}

void FrameGrabber::stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (Job& job : jobs_) gst_buffer_unref(job.buffer);
  jobs_.clear();
}

void FrameGrabber::submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (quit_ || !thread_.joinable()) {
      gst_buffer_unref(job.buffer);
      return;
    }
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void FrameGrabber::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!quit_) {
    if (jobs_.empty()) {
      cv_.wait(lock);
      continue;
    }
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    Result result = process(job);
    gst_buffer_unref(job.buffer);
    done_(std::move(result));
    lock.lock();
  }
}

FrameGrabber::Result FrameGrabber::process(Job& job) {
  const auto started = std::chrono::steady_clock::now();
  if (!converter_) converter_ = std::make_unique<RgbConverter>(width_, height_, width_, height_);
  Result r;
  r.generation = job.generation;
  r.requestId = job.requestId;
  r.header = job.header;
  r.header.requestId = job.requestId;
  r.header.width = uint16_t(width_);
  r.header.height = uint16_t(height_);
  if (!job.jpeg) {
    r.header.format = framemsg::kRgb24;
    r.header.stride = uint32_t(converter_->stride());
    r.payload = framemsg::makePayload(r.header, converter_->size());
    r.ok = converter_->convert(job.buffer,
                               reinterpret_cast<uint8_t*>(&r.payload[framemsg::kHeaderSize]));
    if (!r.ok) r.error = "cannot convert the frame";
  } else {
    r.header.format = framemsg::kJpeg;
    r.header.stride = 0;
    std::vector<uint8_t> rgb(converter_->size());
    std::string jpeg;
    r.ok = converter_->convert(job.buffer, rgb.data());
    if (!r.ok) r.error = "cannot convert the frame";
    else r.ok = encodeJpeg(rgb.data(), width_, height_, converter_->stride(), job.quality, jpeg, r.error);
    if (r.ok) {
      r.payload = framemsg::makePayload(r.header, jpeg.size());
      std::memcpy(&r.payload[framemsg::kHeaderSize], jpeg.data(), jpeg.size());
    }
  }
  if (!r.ok) r.payload.clear();
  r.encodeMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                   .count();
  return r;
}
