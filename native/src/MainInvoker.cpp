#include "MainInvoker.h"

#include <glib.h>

namespace {
struct Job {
  std::shared_ptr<std::atomic<bool>> open;
  std::function<void()> fn;
};
}  // namespace

MainInvoker::MainInvoker() : open_(std::make_shared<std::atomic<bool>>(true)) {}

MainInvoker::~MainInvoker() { close(); }

void MainInvoker::close() { open_->store(false); }

void MainInvoker::post(std::function<void()> fn) {
  auto* job = new Job{open_, std::move(fn)};
  g_idle_add_full(
      G_PRIORITY_DEFAULT,
      [](gpointer data) -> gboolean {
        auto* j = static_cast<Job*>(data);
        if (j->open->load()) j->fn();
        return G_SOURCE_REMOVE;
      },
      job, [](gpointer data) { delete static_cast<Job*>(data); });
}
