#include "setl/workflow/run_journal.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <system_error>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <unistd.h>

#include "journal_writer.h"
#include "setl/core/error.h"
#include "setl/core/log.h"
#include "setl/core/suggest.h"

namespace setl::workflow {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 1;
constexpr const char* kExtension = ".jsonl";
// A journal holds a line per factory and event; these bound what a hostile or damaged
// file can make the reader allocate.
constexpr std::uintmax_t kMaxJournalBytes = std::uintmax_t{256} << 20;
constexpr size_t kMaxLineBytes = size_t{4} << 20;
constexpr size_t kMaxDepth = 8;

constexpr std::array<std::pair<JournalState, std::string_view>, 6> kStates{{
    {JournalState::kPlanned, "planned"},
    {JournalState::kStarted, "started"},
    {JournalState::kSucceeded, "succeeded"},
    {JournalState::kFailed, "failed"},
    {JournalState::kCancelled, "cancelled"},
    {JournalState::kSkipped, "skipped"},
}};

std::optional<JournalState> state_named(std::string_view name) {
  for (const auto& [state, text] : kStates) {
    if (text == name) {
      return state;
    }
  }
  return std::nullopt;
}

std::string line_of(const json& record) {
  return record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

json parts_to_json(const CacheKeyParts& parts) {
  json inputs = json::array();
  for (const auto& [label, key] : parts.inputs) {
    inputs.push_back({label, key});
  }
  return {{"code_version", parts.code_version},
          {"parameters", parts.parameters},
          {"output_type", parts.output_type},
          {"sources", parts.sources},
          {"inputs", inputs},
          {"key", parts.key}};
}

// The journal is read back from disk: every field is checked for its type.
class LineReader {
 public:
  LineReader(const std::filesystem::path& path, size_t line) : path_(path), line_(line) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw IoError("run journal " + path_.string() + ", line " + std::to_string(line_) + ": " +
                  what + "; the journal is damaged, so this run cannot be resumed");
  }
  std::string text(const json& object, const char* field) const {
    auto found = object.find(field);
    if (found == object.end() || !found->is_string()) {
      fail(std::string("field '") + field + "' missing or not text");
    }
    return found->get<std::string>();
  }
  std::string optional_text(const json& object, const char* field) const {
    return object.contains(field) ? text(object, field) : std::string();
  }
  std::vector<std::string> texts(const json& object, const char* field) const {
    std::vector<std::string> values;
    auto found = object.find(field);
    if (found == object.end()) {
      return values;
    }
    if (!found->is_array()) {
      fail(std::string("field '") + field + "' is not a list");
    }
    for (const json& value : *found) {
      if (!value.is_string()) {
        fail(std::string("field '") + field + "' holds something other than text");
      }
      values.push_back(value.get<std::string>());
    }
    return values;
  }
  CacheKeyParts parts(const json& object, const std::string& factory) const {
    auto found = object.find("parts");
    if (found == object.end() || !found->is_object()) {
      fail("field 'parts' missing");
    }
    CacheKeyParts parts;
    parts.factory = factory;
    parts.code_version = text(*found, "code_version");
    parts.parameters = text(*found, "parameters");
    parts.output_type = text(*found, "output_type");
    parts.sources = texts(*found, "sources");
    parts.key = text(*found, "key");
    auto inputs = found->find("inputs");
    if (inputs == found->end() || !inputs->is_array()) {
      fail("field 'inputs' missing");
    }
    for (const json& input : *inputs) {
      if (!input.is_array() || input.size() != 2 || !input[0].is_string() ||
          !input[1].is_string()) {
        fail("an input is not a [label, key] pair");
      }
      parts.inputs.emplace_back(input[0].get<std::string>(), input[1].get<std::string>());
    }
    return parts;
  }

 private:
  const std::filesystem::path& path_;
  size_t line_;
};

json parse_line(const std::string& line, const LineReader& reader) {
  json parsed = json::parse(
      line,
      [&](int depth, json::parse_event_t, json&) {
        if (static_cast<size_t>(depth) > kMaxDepth) {
          reader.fail("nested deeper than " + std::to_string(kMaxDepth));
        }
        return true;
      },
      false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    reader.fail("not a JSON object");
  }
  return parsed;
}

JournaledFactory& factory_of(JournaledRun& run, const std::string& name, const LineReader& reader) {
  for (JournaledFactory& factory : run.factories) {
    if (factory.factory == name) {
      return factory;
    }
  }
  reader.fail("factory '" + name + "' is not in the journal's plan");
}

void apply_line(JournaledRun& run, const json& record, const LineReader& reader, bool first) {
  std::string type = reader.text(record, "type");
  if (first != (type == "run")) {
    reader.fail(first ? "the first line is not the run line" : "a second run line");
  }
  if (type == "run") {
    auto version = record.find("version");
    if (version == record.end() || !version->is_number_integer() || *version != kFormatVersion) {
      reader.fail("unknown journal format version");
    }
    run.run_id = reader.text(record, "run_id");
    run.pipeline = reader.text(record, "pipeline");
    run.plan_hash = reader.text(record, "plan_hash");
    run.resumes = reader.optional_text(record, "resumes");
    run.started_at = reader.text(record, "started_at");
    run.targets = reader.texts(record, "targets");
  } else if (type == "plan") {
    JournaledFactory factory;
    factory.factory = reader.text(record, "factory");
    if (run.find(factory.factory) != nullptr) {
      reader.fail("factory '" + factory.factory + "' planned twice");
    }
    factory.parts = reader.parts(record, factory.factory);
    factory.outputs = reader.texts(record, "outputs");
    run.factories.push_back(std::move(factory));
  } else if (type == "started") {
    factory_of(run, reader.text(record, "factory"), reader).state = JournalState::kStarted;
  } else if (type == "finished") {
    JournaledFactory& factory = factory_of(run, reader.text(record, "factory"), reader);
    std::optional<JournalState> state = state_named(reader.text(record, "state"));
    if (!state || *state == JournalState::kPlanned || *state == JournalState::kStarted) {
      reader.fail("not a final state");
    }
    factory.state = *state;
    if (record.contains("parts")) {  // its identity when it started
      factory.parts = reader.parts(record, factory.factory);
    }
    factory.error = reader.optional_text(record, "error");
    factory.from_run = reader.optional_text(record, "from_run");
    auto attempts = record.find("attempts");
    if (attempts != record.end()) {
      if (!attempts->is_number_integer() || *attempts < 0) {
        reader.fail("field 'attempts' is not a count");
      }
      factory.attempts = attempts->get<int64_t>();
    }
  } else if (type == "end") {
    auto succeeded = record.find("succeeded");
    if (succeeded == record.end() || !succeeded->is_boolean()) {
      reader.fail("field 'succeeded' missing");
    }
    run.finished = true;
    run.succeeded = succeeded->get<bool>();
  } else {
    reader.fail("unknown record type '" + type + "'");
  }
}

std::string utc_now(const char* format,
                    std::chrono::system_clock::time_point at = std::chrono::system_clock::now()) {
  std::time_t now = std::chrono::system_clock::to_time_t(at);
  std::tm parts{};
  gmtime_r(&now, &parts);
  std::array<char, 32> text{};
  size_t length = std::strftime(text.data(), text.size(), format, &parts);
  return std::string(text.data(), length);
}

}  // namespace

std::string_view to_string(JournalState state) {
  for (const auto& [each, text] : kStates) {
    if (each == state) {
      return text;
    }
  }
  return "unknown";
}

const JournaledFactory* JournaledRun::find(std::string_view factory) const {
  for (const JournaledFactory& each : factories) {
    if (each.factory == factory) {
      return &each;
    }
  }
  return nullptr;
}

RunJournal::RunJournal(std::filesystem::path directory) : directory_(std::move(directory)) {}

std::filesystem::path RunJournal::path_of(std::string_view run_id) const {
  return directory_ / (std::string(run_id) + kExtension);
}

bool RunJournal::valid_run_id(std::string_view run_id) noexcept {
  if (run_id.empty() || run_id.size() > 200 || run_id.find("..") != std::string_view::npos ||
      run_id.front() == '.') {
    return false;
  }
  return std::all_of(run_id.begin(), run_id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

std::string RunJournal::new_run_id(std::string_view pipeline) {
  std::string name;
  for (char c : pipeline.substr(0, 60)) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    name += plain ? c : '_';
  }
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::array<char, 9> suffix{};
  std::snprintf(suffix.data(), suffix.size(), "%08x", static_cast<unsigned>(random()));
  // Microseconds: runs started within one second (a run and its resume) still sort by
  // start, which latest() relies on.
  auto now = std::chrono::system_clock::now();
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1'000'000;
  std::array<char, 8> fraction{};
  std::snprintf(fraction.data(), fraction.size(), "%06d", static_cast<int>(micros));
  return utc_now("%Y%m%dT%H%M%S", now) + fraction.data() + "Z-" + (name.empty() ? "run" : name) +
         "-" + suffix.data();
}

std::vector<std::string> RunJournal::runs() const {
  std::vector<std::string> ids;
  std::error_code error;
  for (std::filesystem::directory_iterator it(directory_, error), end; !error && it != end;
       it.increment(error)) {
    std::string name = it->path().filename().string();
    if (name.ends_with(kExtension)) {
      std::string id = name.substr(0, name.size() - std::strlen(kExtension));
      if (valid_run_id(id)) {
        ids.push_back(std::move(id));
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<std::string> RunJournal::latest(std::string_view pipeline) const {
  std::vector<std::string> ids = runs();
  for (auto id = ids.rbegin(); id != ids.rend(); ++id) {
    if (pipeline.empty()) {
      return *id;
    }
    try {
      if (read(*id).pipeline == pipeline) {
        return *id;
      }
    } catch (const Error& error) {
      log::warn("run journal: skipping {}: {}", *id, error.what());
    }
  }
  return std::nullopt;
}

bool RunJournal::running(std::string_view run_id) const {
  if (!valid_run_id(run_id)) {
    return false;
  }
  int fd = ::open(path_of(run_id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

JournaledRun RunJournal::read(std::string_view run_id) const {
  if (!valid_run_id(run_id)) {
    throw ConfigError("'" + std::string(run_id) +
                      "' is not a run id (letters, digits, '-', '_' and '.')");
  }
  std::filesystem::path path = path_of(run_id);
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    std::optional<std::string> hint = closest_match(run_id, runs());
    throw ConfigError("no run '" + std::string(run_id) + "' in the run journal " +
                      directory_.string() + (hint ? "; did you mean '" + *hint + "'?" : ""));
  }
  if (size > kMaxJournalBytes) {
    throw IoError("run journal " + path.string() + " is larger than " +
                  std::to_string(kMaxJournalBytes) + " bytes; it is not a journal");
  }
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    throw IoError("cannot read run journal " + path.string());
  }
  JournaledRun run;
  size_t start = 0;
  for (size_t number = 1; start < content.size(); ++number) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) {
      break;  // a last line the crash cut short: its event did not happen as far as we know
    }
    LineReader reader(path, number);
    if (end - start > kMaxLineBytes) {
      reader.fail("longer than " + std::to_string(kMaxLineBytes) + " bytes");
    }
    apply_line(run, parse_line(content.substr(start, end - start), reader), reader, number == 1);
    start = end + 1;
  }
  if (run.run_id.empty()) {
    throw IoError("run journal " + path.string() + " is empty: the run died before it started");
  }
  if (run.run_id != run_id) {
    throw IoError("run journal " + path.string() + " belongs to run '" + run.run_id + "'");
  }
  return run;
}

namespace detail {

JournalWriter::JournalWriter(const std::filesystem::path& directory, const JournaledRun& run)
    : path_(directory / (run.run_id + kExtension)) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw IoError("cannot create run journal " + path_.string() + ": " + std::strerror(errno),
                  category_of_errno(errno));
  }
  ::flock(fd_, LOCK_EX | LOCK_NB);  // RunJournal::running(); released when the process dies
  json header = {{"type", "run"},
                 {"version", kFormatVersion},
                 {"run_id", run.run_id},
                 {"pipeline", run.pipeline},
                 {"plan_hash", run.plan_hash},
                 {"resumes", run.resumes},
                 {"targets", run.targets},
                 {"started_at", utc_now("%Y-%m-%dT%H:%M:%SZ")}};
  std::string lines = line_of(header);
  for (const JournaledFactory& factory : run.factories) {
    json plan = {{"type", "plan"},
                 {"factory", factory.factory},
                 {"parts", parts_to_json(factory.parts)},
                 {"outputs", factory.outputs}};
    lines += line_of(plan);
  }
  append(lines, true);
  if (!healthy_) {
    ::close(fd_);
    fd_ = -1;
    throw IoError("cannot write run journal " + path_.string());
  }
  int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // the new name survives a crash too
    ::close(dir);
  }
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void JournalWriter::started(const std::string& factory) {
  append(line_of({{"type", "started"}, {"factory", factory}}), false);
}

void JournalWriter::finished(const JournaledFactory& factory) {
  json record = {{"type", "finished"},
                 {"factory", factory.factory},
                 {"state", to_string(factory.state)},
                 {"attempts", factory.attempts}};
  if (!factory.error.empty()) {
    record["error"] = factory.error.substr(0, 4096);
  }
  if (!factory.from_run.empty()) {
    record["from_run"] = factory.from_run;
  }
  if (!factory.parts.key.empty()) {
    record["parts"] = parts_to_json(factory.parts);
  }
  append(line_of(record), true);
}

void JournalWriter::end(bool succeeded) {
  append(line_of({{"type", "end"}, {"succeeded", succeeded}}), true);
}

bool JournalWriter::healthy() const {
  std::lock_guard lock(mutex_);
  return healthy_;
}

void JournalWriter::append(const std::string& line, bool sync) {
  std::lock_guard lock(mutex_);
  if (!healthy_) {
    return;
  }
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      healthy_ = false;
      log::warn(
          "run journal {}: write failed ({}); a resume of this run reruns what it "
          "could not record",
          path_.string(), std::strerror(errno));
      return;
    }
    written += static_cast<size_t>(n);
  }
  if (sync && ::fsync(fd_) != 0) {
    healthy_ = false;
    log::warn("run journal {}: fsync failed ({})", path_.string(), std::strerror(errno));
  }
}

}  // namespace detail
}  // namespace setl::workflow
