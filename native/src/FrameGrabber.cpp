#include "FrameGrabber.h"

#include <chrono>

FrameGrabber::FrameGrabber(int width, int height, DoneFn done)
    : encoder_(width, height), done_(std::move(done)) {}

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
  Result r;
  r.generation = job.generation;
  r.requestId = job.requestId;
  r.header = job.header;
  r.header.requestId = job.requestId;
  r.ok = job.jpeg ? encoder_.jpeg(job.buffer, job.quality, r.header, r.payload, r.error)
                  : encoder_.rgb(job.buffer, r.header, r.payload, r.error);
  r.encodeMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                   .count();
  return r;
}
