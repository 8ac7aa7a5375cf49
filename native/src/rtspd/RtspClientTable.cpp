#include "RtspClientTable.h"

uint64_t RtspClientTable::add(const void* client, const std::string& address, int64_t nowUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry entry;
  entry.record.id = nextId_++;
  entry.record.address = address;
  entry.addedUs = nowUs;
  entry.record.refused = counted_ >= maxClients_;
  if (!entry.record.refused) counted_++;
  const uint64_t id = entry.record.refused ? 0 : entry.record.id;
  entries_[client] = entry;
  return id;
}

RtspClientTable::Record RtspClientTable::remove(const void* client) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  if (it == entries_.end()) return {};
  Record record = it->second.record;
  if (!record.refused) counted_--;
  entries_.erase(it);
  for (auto s = sessionOwner_.begin(); s != sessionOwner_.end();) {
    if (s->second == client)
      s = sessionOwner_.erase(s);
    else
      ++s;
  }
  return record;
}

void RtspClientTable::setCamera(const void* client, const std::string& camera) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  if (it != entries_.end()) it->second.record.camera = camera;
}

void RtspClientTable::markDropped(const void* client, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  if (it == entries_.end() || it->second.record.dropped) return;
  it->second.record.dropped = true;
  it->second.record.dropReason = reason;
}

bool RtspClientTable::isRefused(const void* client) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  return it != entries_.end() && it->second.record.refused;
}

uint64_t RtspClientTable::idOf(const void* client) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  return it == entries_.end() ? 0 : it->second.record.id;
}

bool RtspClientTable::stalled(const void* client, uint64_t pending, uint64_t acked, int64_t nowUs,
                              int64_t stallUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  if (pending == 0 || acked != e.acked || e.progressUs < 0) {
    e.acked = acked;
    e.progressUs = nowUs;
    return false;
  }
  return nowUs - e.progressUs >= stallUs;
}

unsigned RtspClientTable::clients() {
  std::lock_guard<std::mutex> lock(mutex_);
  return counted_;
}

std::map<std::string, unsigned> RtspClientTable::perCamera() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, unsigned> out;
  for (const auto& [client, entry] : entries_) {
    (void)client;
    if (!entry.record.refused && !entry.record.camera.empty()) out[entry.record.camera]++;
  }
  return out;
}

bool RtspClientTable::refusedDue(const void* client, int64_t nowUs, int64_t graceUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  return it != entries_.end() && it->second.record.refused && nowUs - it->second.addedUs >= graceUs;
}

void RtspClientTable::addSession(const void* client, const void* session) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessionOwner_[session] = client;
}

void RtspClientTable::markSessionDropped(const void* session, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto owner = sessionOwner_.find(session);
  if (owner == sessionOwner_.end()) return;
  auto it = entries_.find(owner->second);
  if (it == entries_.end() || it->second.record.dropped) return;
  it->second.record.dropped = true;
  it->second.record.dropReason = reason;
}
