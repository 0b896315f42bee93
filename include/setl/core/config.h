// Typed configuration loaded from YAML, JSON or HOCON (.conf) files, with profiles and
// ${VAR} substitution. A Config is an immutable tree; copies and sections share it.
//
//   auto config = setl::Config::load("pipeline.yaml");   // SETL_ENV picks the profile
//   int64_t port = config.get<int64_t>("db.port");
//   auto db = config.section("db");                       // errors still say "db.port"
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace setl {

/// How a file is read. The profile defaults to the SETL_ENV environment variable.
struct ConfigLoadOptions {
  std::optional<std::string> profile;
};

/// A read-only tree of configuration values addressed by dotted keys ("db.port",
/// "sources.0.path").
///
/// Profiles: a file whose top level has a `default:` section is a profiled file; the
/// selected profile's section is deep-merged over `default:` (maps merge key by key,
/// scalars and lists are replaced). Selecting a profile the file does not define is a
/// ConfigError listing the defined ones. In a file without `default:`, a top-level
/// section named like the selected profile is merged over the rest of the file.
///
/// Substitution (YAML and JSON; HOCON has its own): in string values, `${VAR}` is replaced by the
/// environment variable VAR (an error if unset), `${VAR:-text}` by VAR or `text` when VAR is unset
/// or empty, and
/// `$$` by a single `$`.
///
/// Typed getters accept a value of the requested type or a string that parses completely
/// as that type (so `port: ${PORT}` works with get<int64_t>). Every error names the file,
/// the line where known, the full key and the expected and found types.
class Config {
 public:
  /// An empty configuration (every `has` is false).
  Config();

  /// Reads a .yaml/.yml, .json or .conf/.hocon (HOCON) file. A directory, or a file named
  /// application.conf, is read as load_application does.
  /// Throws: ConfigError if the file is missing, unreadable or malformed.
  static Config load(const std::filesystem::path& path, const ConfigLoadOptions& options = {});
  /// SETL's convention: `application.conf` in the directory, with `<env>.conf` beside it
  /// deep-merged over it when an environment is chosen — by `options.profile`, else the
  /// SETL_ENV variable, else the application file's own `app.environment` key. An
  /// `<env>.conf` that includes application.conf, as SETL's do, gives the same result.
  /// Throws: ConfigError if application.conf or the chosen `<env>.conf` is missing
  /// (listing the .conf files present) or malformed.
  static Config load_application(const std::filesystem::path& directory_or_file,
                                 const ConfigLoadOptions& options = {});
  /// Parses YAML text; `source` names it in error messages.
  static Config from_yaml(std::string_view text, std::string source = "<yaml>",
                          const ConfigLoadOptions& options = {});
  /// Parses JSON text; `source` names it in error messages.
  static Config from_json(std::string_view text, std::string source = "<json>",
                          const ConfigLoadOptions& options = {});
  /// Parses HOCON text (Typesafe Config syntax: `a.b = 1`, `a { b = 1 }`, merged objects,
  /// `${a.b}` and `${?VAR}` substitutions resolved as HOCON does, durations such as
  /// `10 seconds`). Text has no directory, so an `include` is an error: use load().
  /// Errors name `source` and the line. Bounds: 16 MiB per file, includes 8 deep and 64
  /// files at most, no include cycles, 256 substitutions, nesting 64 levels.
  static Config from_hocon(std::string_view text, std::string source = "<hocon>",
                           const ConfigLoadOptions& options = {});

  /// True if the key exists and is not null.
  bool has(std::string_view key) const;
  /// What the value at `key` is, as written (a quoted YAML "1" is a string, an unquoted 1
  /// an integer; a with_value text as if written unquoted); kMissing when absent or null.
  enum class ValueKind { kMissing, kString, kInteger, kFloat, kBool, kSection };
  ValueKind value_kind(std::string_view key) const;
  /// Names of the direct children of this section (map keys in file order, or indexes).
  std::vector<std::string> keys() const;
  /// The sub-tree at `key`. Throws: ConfigError if missing or not a map or list.
  Config section(std::string_view key) const;

  std::string get_string(std::string_view key) const;
  int64_t get_int(std::string_view key) const;
  double get_double(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  std::vector<std::string> get_string_list(std::string_view key) const;
  /// A duration written as a number and a unit: 250ms, 30s, 5m, 24h, 7d, or as HOCON
  /// writes them: `10 seconds`, `500 millis`, `2 hours` (ns, us, ms, s, m, h, d and their
  /// long names, singular or plural). A whole number of milliseconds at least.
  std::chrono::milliseconds get_duration(std::string_view key) const;

  /// Typed access for std::string, bool, integral and floating-point types,
  /// std::vector<std::string> and std::chrono::milliseconds.
  /// Throws: ConfigError if the key is missing or the value has another type.
  template <class T>
  T get(std::string_view key) const;
  /// Like get<T>, but returns `fallback` when the key is missing (a present value of the
  /// wrong type is still an error).
  template <class T>
  T get_or(std::string_view key, T fallback) const {
    return has(key) ? get<T>(key) : fallback;
  }

  /// A copy with `key` set to `value` (created with its parent sections if missing), for
  /// command-line overrides. Typed getters parse the string as usual.
  /// Throws: ConfigError if a parent of `key` is a scalar or a list.
  Config with_value(std::string_view key, std::string value) const;
  /// A copy where this section's key `from` is called `to` (its value, line and origin
  /// move with it): how the original projects' option names become ours. Nothing changes
  /// when `from` is absent.
  /// Throws: ConfigError naming both when the section has both.
  Config with_key_renamed(std::string_view from, std::string_view to) const;

  /// File (or source name) the configuration came from.
  const std::string& source() const;
  /// The profile that was applied, empty if none.
  const std::string& profile() const;
  /// The dotted key of this section within the file, empty at the root.
  const std::string& prefix() const { return prefix_; }
  /// The section as compact JSON, for logs and fingerprints.
  std::string to_json() const;

  struct State;

 private:
  Config(std::shared_ptr<const State> state, std::string prefix);
  [[noreturn]] void throw_out_of_range(std::string_view key, int64_t value, int64_t min,
                                       uint64_t max) const;

  std::shared_ptr<const State> state_;
  std::string prefix_;
};

template <class T>
T Config::get(std::string_view key) const {
  if constexpr (std::is_same_v<T, std::string>) {
    return get_string(key);
  } else if constexpr (std::is_same_v<T, bool>) {
    return get_bool(key);
  } else if constexpr (std::is_integral_v<T>) {
    int64_t value = get_int(key);
    bool below = value < 0 ? (std::is_unsigned_v<T> ||
                              value < static_cast<int64_t>(std::numeric_limits<T>::min()))
                           : false;
    bool above = value >= 0 && static_cast<uint64_t>(value) >
                                   static_cast<uint64_t>(std::numeric_limits<T>::max());
    if (below || above) {
      throw_out_of_range(key, value, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    }
    return static_cast<T>(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(get_double(key));
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return get_string_list(key);
  } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
    return get_duration(key);
  } else {
    static_assert(sizeof(T) == 0,
                  "Config::get supports strings, bool, numbers, string lists "
                  "and std::chrono::milliseconds");
  }
}

}  // namespace setl
