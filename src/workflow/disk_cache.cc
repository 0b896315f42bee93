#include "setl/workflow/disk_cache.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <sqlite3.h>

#include "setl/core/atomic_file.h"
#include "setl/core/error.h"
#include "setl/core/log.h"

namespace setl::workflow {
namespace {

constexpr char kMagic[] = "SETLCACHE1\n";
constexpr size_t kMagicSize = sizeof(kMagic) - 1;
constexpr size_t kHashSize = 32;

std::string join(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) {
    text += (text.empty() ? "" : ",") + part;
  }
  return text;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) {
      parts.push_back(part);
    }
  }
  return parts;
}

// Key parts as text: fields separated by \x1f, records by \x1e.
std::string serialize_parts(const CacheKeyParts& parts) {
  std::string text = parts.factory + '\x1f' + parts.code_version + '\x1f' + parts.parameters +
                     '\x1f' + parts.output_type + '\x1f' + parts.key;
  for (const std::string& source : parts.sources) {
    text += "\x1es\x1f" + source;
  }
  for (const auto& [label, key] : parts.inputs) {
    text += "\x1ei\x1f" + label + '\x1f' + key;
  }
  return text;
}

CacheKeyParts parse_parts(const std::string& text) {
  auto fields_of = [](const std::string& record) {
    std::vector<std::string> fields;
    size_t start = 0;
    while (true) {
      size_t end = record.find('\x1f', start);
      fields.push_back(record.substr(start, end - start));
      if (end == std::string::npos) {
        return fields;
      }
      start = end + 1;
    }
  };
  CacheKeyParts parts;
  size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    size_t end = text.find('\x1e', start);
    std::vector<std::string> fields = fields_of(text.substr(start, end - start));
    if (first && fields.size() >= 5) {
      parts.factory = fields[0];
      parts.code_version = fields[1];
      parts.parameters = fields[2];
      parts.output_type = fields[3];
      parts.key = fields[4];
    } else if (fields.size() == 2 && fields[0] == "s") {
      parts.sources.push_back(fields[1]);
    } else if (fields.size() == 3 && fields[0] == "i") {
      parts.inputs.emplace_back(fields[1], fields[2]);
    }
    first = false;
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  return parts;
}

}  // namespace

// The SQLite index: one connection, statements prepared per call.
struct DiskCache::Index {
  sqlite3* db = nullptr;

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      throw IoError("cache index: " + text + " (in: " + sql + ")");
    }
  }

  struct Statement {
    sqlite3_stmt* stmt = nullptr;
    Statement(sqlite3* db, const std::string& sql) {
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        throw IoError(std::string("cache index: ") + sqlite3_errmsg(db));
      }
    }
    ~Statement() { sqlite3_finalize(stmt); }
    Statement& bind(int index, const std::string& value) {
      sqlite3_bind_text(stmt, index, value.c_str(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT);
      return *this;
    }
    Statement& bind(int index, int64_t value) {
      sqlite3_bind_int64(stmt, index, value);
      return *this;
    }
    bool step() {
      int status = sqlite3_step(stmt);
      if (status != SQLITE_ROW && status != SQLITE_DONE) {
        throw IoError(std::string("cache index: ") + sqlite3_errmsg(sqlite3_db_handle(stmt)));
      }
      return status == SQLITE_ROW;
    }
    std::string text(int column) const {
      const unsigned char* value = sqlite3_column_text(stmt, column);
      return value ? reinterpret_cast<const char*>(value) : "";
    }
    int64_t integer(int column) const { return sqlite3_column_int64(stmt, column); }
  };

  // Every entry, least recently used first, or the one with `key`.
  std::vector<DiskCacheEntryInfo> rows(int64_t now,
                                       const std::optional<std::string>& key = std::nullopt) {
    Statement select(db, std::string("SELECT key, factory, type, created, last_used, ttl_ms, "
                                     "bytes, hits, inputs FROM entries ") +
                             (key ? "WHERE key = ? " : "") + "ORDER BY last_used");
    if (key) {
      select.bind(1, *key);
    }
    std::vector<DiskCacheEntryInfo> out;
    while (select.step()) {
      DiskCacheEntryInfo info;
      info.key = select.text(0);
      info.factory = select.text(1);
      info.type = select.text(2);
      info.created =
          std::chrono::system_clock::time_point(std::chrono::milliseconds(select.integer(3)));
      info.last_used =
          std::chrono::system_clock::time_point(std::chrono::milliseconds(select.integer(4)));
      info.ttl = std::chrono::milliseconds(select.integer(5));
      info.bytes = select.integer(6);
      info.hits = select.integer(7);
      info.input_keys = split(select.text(8));
      info.expired = info.ttl.count() > 0 && now - select.integer(3) > info.ttl.count();
      out.push_back(std::move(info));
    }
    return out;
  }
};

DiskCache::DiskCache(std::filesystem::path directory, std::shared_ptr<const Clock> clock)
    : directory_(std::move(directory)),
      clock_(clock ? std::move(clock) : real_clock()),
      index_(std::make_unique<Index>()) {
  std::error_code error;
  std::filesystem::create_directories(directory_ / "entries", error);
  if (error) {
    throw IoError("cannot create the cache directory " + directory_.string() + ": " +
                  error.message());
  }
  std::string index_path = (directory_ / "index.db").string();
  if (sqlite3_open(index_path.c_str(), &index_->db) != SQLITE_OK) {
    std::string message = sqlite3_errmsg(index_->db);
    sqlite3_close(index_->db);
    throw IoError("cannot open the cache index " + index_path + ": " + message);
  }
  // Other processes may hold the index: wait for their locks rather than fail.
  sqlite3_busy_timeout(index_->db, 30'000);
  {
    // Processes opening the same directory set the index up one at a time: SQLite answers a
    // journal-mode switch that races another connection's with SQLITE_BUSY at once, without
    // waiting (found by three processes creating one cache directory together).
    FileLock setup(lock_path_for(index_path));
    index_->exec("PRAGMA journal_mode=WAL");
    index_->exec(
        "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, factory TEXT NOT NULL, "
        "type TEXT NOT NULL, created INTEGER NOT NULL, last_used INTEGER NOT NULL, ttl_ms "
        "INTEGER NOT NULL, bytes INTEGER NOT NULL, hits INTEGER NOT NULL DEFAULT 0, inputs TEXT "
        "NOT NULL, parts TEXT NOT NULL DEFAULT '')");
  }
  // Temporaries of writers that were killed (a live writer's are locked and stay).
  remove_abandoned_temporaries(directory_ / "entries");
}

int64_t DiskCache::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             clock_->system_now().time_since_epoch())
      .count();
}

DiskCache::~DiskCache() {
  sqlite3_close(index_->db);
}

bool DiskCache::can_store(const TypeInfo& type) const {
  std::lock_guard lock(mutex_);
  return codecs_.find(type) != nullptr;
}

std::filesystem::path DiskCache::entry_path(const std::string& key) const {
  return directory_ / "entries" / (key + ".entry");
}

void DiskCache::remove_entry(const std::string& key) {
  std::error_code ignored;
  std::filesystem::remove(entry_path(key), ignored);
  Index::Statement(index_->db, "DELETE FROM entries WHERE key = ?").bind(1, key).step();
}

bool DiskCache::contains(const std::string& key, const TypeInfo& type) const {
  std::lock_guard lock(mutex_);
  std::vector<DiskCacheEntryInfo> rows = index_->rows(now_ms(), key);
  return !rows.empty() && rows[0].type == type.name() && !rows[0].expired &&
         codecs_.find(type) != nullptr;
}

std::shared_ptr<const void> DiskCache::load(const std::string& key, const TypeInfo& type) {
  std::lock_guard lock(mutex_);
  std::shared_ptr<const CodecBase> codec = codecs_.find(type);
  if (!codec) {
    return nullptr;
  }
  std::vector<DiskCacheEntryInfo> rows = index_->rows(now_ms(), key);
  if (rows.empty() || rows[0].type != type.name()) {
    return nullptr;
  }
  if (rows[0].expired) {
    remove_entry(key);
    return nullptr;
  }
  std::string bytes;
  {
    std::ifstream in(entry_path(key), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::shared_ptr<const void> value;
  std::string problem;
  if (bytes.size() < kMagicSize + 8 + kHashSize || bytes.compare(0, kMagicSize, kMagic) != 0) {
    problem = "missing or truncated file";
  } else {
    uint64_t size = 0;
    std::memcpy(&size, bytes.data() + kMagicSize, 8);
    std::string payload = bytes.substr(kMagicSize + 8 + kHashSize);
    if (payload.size() != size) {
      problem = "truncated payload";
    } else if (stable_hash(payload) != bytes.substr(kMagicSize + 8, kHashSize)) {
      problem = "checksum mismatch";
    } else {
      try {
        std::istringstream in(payload);
        value = codec->decode_erased(in);
      } catch (const std::exception& error) {
        problem = std::string("cannot decode: ") + error.what();
      }
    }
  }
  if (!value) {
    log::warn("result cache: entry {} for '{}' is corrupt ({}); deleted, will recompute", key,
              rows[0].factory, problem);
    remove_entry(key);
    return nullptr;
  }
  Index::Statement(index_->db, "UPDATE entries SET hits = hits + 1, last_used = ? WHERE key = ?")
      .bind(1, now_ms())
      .bind(2, key)
      .step();
  return value;
}

void DiskCache::store(const std::string& key, const std::shared_ptr<const void>& value,
                      const TypeInfo& type, std::chrono::milliseconds ttl,
                      const CacheKeyParts& parts) {
  std::lock_guard lock(mutex_);
  std::shared_ptr<const CodecBase> codec = codecs_.find(type);
  if (!codec || !value) {
    return;
  }
  std::ostringstream encoded;
  codec->encode_erased(value.get(), encoded);
  std::string payload = encoded.str();
  std::filesystem::path path = entry_path(key);
  {
    // Readers see no entry or a whole one; gc leaves the temporary alone while we hold it.
    AtomicFile file(path);
    uint64_t size = payload.size();
    std::ostream& out = file.stream();
    out.write(kMagic, static_cast<std::streamsize>(kMagicSize));
    out.write(reinterpret_cast<const char*>(&size), 8);
    out << stable_hash(payload) << payload;
    file.commit();
  }
  std::vector<std::string> inputs;
  for (const auto& [label, input_key] : parts.inputs) {
    inputs.push_back(input_key);
  }
  int64_t now = now_ms();
  Index::Statement(index_->db,
                   "INSERT OR REPLACE INTO entries (key, factory, type, created, last_used, "
                   "ttl_ms, bytes, hits, inputs, parts) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)")
      .bind(1, key)
      .bind(2, parts.factory)
      .bind(3, type.name())
      .bind(4, now)
      .bind(5, now)
      .bind(6, static_cast<int64_t>(ttl.count()))
      .bind(7, static_cast<int64_t>(payload.size()))
      .bind(8, join(inputs))
      .bind(9, serialize_parts(parts))
      .step();
}

std::optional<CacheKeyParts> DiskCache::last_parts(const std::string& factory) const {
  std::lock_guard lock(mutex_);
  Index::Statement select(index_->db,
                          "SELECT parts FROM entries WHERE factory = ? AND parts <> '' "
                          "ORDER BY created DESC LIMIT 1");
  select.bind(1, factory);
  if (!select.step()) {
    return std::nullopt;
  }
  return parse_parts(select.text(0));
}

std::vector<DiskCacheEntryInfo> DiskCache::list() const {
  std::lock_guard lock(mutex_);
  return index_->rows(now_ms());
}

DiskCache::Stats DiskCache::stats() const {
  Stats stats;
  for (const DiskCacheEntryInfo& entry : list()) {
    ++stats.entries;
    stats.bytes += entry.bytes;
    stats.hits += entry.hits;
    stats.expired += entry.expired ? 1 : 0;
  }
  return stats;
}

std::vector<std::string> DiskCache::invalidate(const std::string& factory, bool cascade) {
  std::lock_guard lock(mutex_);
  std::vector<DiskCacheEntryInfo> rows = index_->rows(now_ms());
  std::set<std::string> removed;
  for (const DiskCacheEntryInfo& row : rows) {
    if (row.factory == factory) {
      removed.insert(row.key);
    }
  }
  bool grew = cascade;
  while (grew) {
    grew = false;
    for (const DiskCacheEntryInfo& row : rows) {
      if (removed.count(row.key) == 0 &&
          std::any_of(row.input_keys.begin(), row.input_keys.end(),
                      [&](const std::string& input) { return removed.count(input) > 0; })) {
        removed.insert(row.key);
        grew = true;
      }
    }
  }
  for (const std::string& key : removed) {
    remove_entry(key);
  }
  return {removed.begin(), removed.end()};
}

int64_t DiskCache::gc(int64_t max_bytes) {
  std::lock_guard lock(mutex_);
  std::vector<DiskCacheEntryInfo> rows = index_->rows(now_ms());  // least recently used first
  int64_t total = 0;
  for (const DiskCacheEntryInfo& row : rows) {
    total += row.expired ? 0 : row.bytes;
  }
  int64_t removed = 0;
  for (const DiskCacheEntryInfo& row : rows) {
    if (row.expired) {
      remove_entry(row.key);
      ++removed;
    }
  }
  for (const DiskCacheEntryInfo& row : rows) {
    if (max_bytes < 0 || total <= max_bytes) {
      break;
    }
    if (!row.expired) {
      remove_entry(row.key);
      total -= row.bytes;
      ++removed;
    }
  }
  // Temporary files that killed writers left behind (live writers hold a lock on theirs).
  remove_abandoned_temporaries(directory_ / "entries");
  return removed;
}

void DiskCache::clear() {
  std::lock_guard lock(mutex_);
  for (const DiskCacheEntryInfo& row : index_->rows(now_ms())) {
    remove_entry(row.key);
  }
}

}  // namespace setl::workflow
