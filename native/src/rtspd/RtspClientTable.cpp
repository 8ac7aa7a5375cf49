#include "RtspClientTable.h"

uint64_t RtspClientTable::add(const void* client, const std::string& address, int64_t nowUs,
                              std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry entry;
  entry.record.id = nextId_++;
  entry.record.address = address;
  entry.addedUs = nowUs;
  if (pending_ >= limits_.maxPending)
    reason = "max_pending";
  else if (pendingFrom(address) >= limits_.maxPendingPerAddress)
    reason = "max_pending_per_address";
  entry.record.refused = !reason.empty();
  if (entry.record.refused)
    entry.refusedUs = nowUs;
  else
    pending_++;
  if (entry.record.refused) entry.record.id = 0;
  entries_[client] = entry;
  return entry.record.id;
}

unsigned RtspClientTable::pendingFrom(const std::string& address) const {
  unsigned n = 0;
  for (const auto& [client, entry] : entries_) {
    (void)client;
    if (!entry.record.refused && !entry.record.counted && entry.record.address == address) n++;
  }
  return n;
}

RtspClientTable::Auth RtspClientTable::authenticate(const void* client, int64_t nowUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  if (it == entries_.end()) return Auth::Unknown;
  Entry& e = it->second;
  if (e.record.refused) return Auth::AlreadyRefused;
  if (e.record.counted) return Auth::AlreadyCounted;
  pending_--;
  if (counted_ >= limits_.maxClients) {
    e.record.refused = true;
    e.refusedUs = nowUs;
    return Auth::Refused;
  }
  e.record.counted = true;
  counted_++;
  return Auth::Counted;
}

bool RtspClientTable::pendingExpired(const void* client, int64_t nowUs, int64_t timeoutUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  if (e.record.refused || e.record.counted || nowUs - e.addedUs < timeoutUs) return false;
  pending_--;
  e.record.refused = true;
  e.refusedUs = nowUs;
  return true;
}

RtspClientTable::Record RtspClientTable::remove(const void* client) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(client);
  if (it == entries_.end()) return {};
  Record record = it->second.record;
  if (record.counted && !record.refused)
    counted_--;
  else if (!record.refused)
    pending_--;
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

unsigned RtspClientTable::pending() {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_;
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
  return it != entries_.end() && it->second.record.refused && nowUs - it->second.refusedUs >= graceUs;
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
