// Full-resolution frame grabs (control method "grab"): the frame clock hands
// over the next output picture (a buffer reference, no copy); this class's
// own thread converts it to RGB24 or JPEG (PictureEncoder), off the encoder's
// path, and hands back the kind-6 payload (native/PROTOCOL.md, "Grab").
#pragma once

#include <gst/gst.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "FrameMessage.h"
#include "PictureEncoder.h"

class FrameGrabber {
 public:
  struct Job {
    uint64_t generation = 0;  ///< control client that asked
    uint32_t requestId = 0;
    bool jpeg = false;
    int quality = 85;             ///< JPEG quality 1..100
    GstBuffer* buffer = nullptr;  ///< I420 output picture; the job owns this reference
    framemsg::Header header;      ///< frame, capture time and flags filled in
  };
  struct Result {
    uint64_t generation = 0;
    uint32_t requestId = 0;
    bool ok = false;
    std::string error;      ///< when !ok
    framemsg::Header header;  ///< format, size, stride filled in
    std::string payload;    ///< kind-6 payload (header + data) when ok
    double encodeMs = 0;    ///< conversion (+ JPEG) time
  };
  /// Called on the grabber thread for every job.
  using DoneFn = std::function<void(Result&&)>;

  FrameGrabber(int width, int height, DoneFn done);
  ~FrameGrabber();
  FrameGrabber(const FrameGrabber&) = delete;
  FrameGrabber& operator=(const FrameGrabber&) = delete;

  void start();
  /// Finishes nothing more: queued jobs are dropped (their buffers released).
  void stop();
  /// Queues a job (takes its buffer reference). Any thread; quick.
  void submit(Job job);

 private:
  void run();
  Result process(Job& job);

  PictureEncoder encoder_;  ///< grabber thread only
  DoneFn done_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool quit_ = false;
};
