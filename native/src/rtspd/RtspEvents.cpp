#include "RtspEvents.h"

#include <cstdio>

void RtspEvents::emit(const nlohmann::json& event) {
  const std::string line = event.dump() + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}
