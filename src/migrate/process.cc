#include "migrate/process.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "setl/core/error.h"

extern char** environ;

namespace setl::migrate {
namespace {

namespace fs = std::filesystem;

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw IoError(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    read = fds[0];
    write = fds[1];
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read >= 0) {
      ::close(read);
      read = -1;
    }
  }
  void close_write() {
    if (write >= 0) {
      ::close(write);
      write = -1;
    }
  }
};

// Reads what is available on `fd` into `into`, up to `limit`; false at end of stream.
bool drain(int fd, std::string& into, size_t limit, bool& truncated) {
  char buffer[65536];
  ssize_t got = ::read(fd, buffer, sizeof buffer);
  if (got < 0) {
    return errno == EINTR || errno == EAGAIN;
  }
  if (got == 0) {
    return false;
  }
  size_t room = limit > into.size() ? limit - into.size() : 0;
  size_t keep = std::min(room, static_cast<size_t>(got));
  into.append(buffer, keep);
  truncated = truncated || keep < static_cast<size_t>(got);
  return true;
}

std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::set<std::string> replaced;
  for (const std::string& entry : extra) {
    replaced.insert(entry.substr(0, entry.find('=')));
  }
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    if (!replaced.contains(text.substr(0, text.find('=')))) {
      result.push_back(std::move(text));
    }
  }
  result.insert(result.end(), extra.begin(), extra.end());
  return result;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (std::string& text : strings) {
    result.push_back(text.data());
  }
  result.push_back(nullptr);
  return result;
}

}  // namespace

std::vector<fs::path> find_on_path(const std::string& name) {
  std::vector<fs::path> found;
  const char* path = std::getenv("PATH");
  std::string remaining = path != nullptr ? path : "";
  std::set<fs::path> seen;
  while (!remaining.empty() || path != nullptr) {
    size_t colon = remaining.find(':');
    std::string entry = remaining.substr(0, colon);
    remaining = colon == std::string::npos ? "" : remaining.substr(colon + 1);
    path = nullptr;
    if (entry.empty()) {
      continue;
    }
    std::error_code error;
    fs::path candidate = fs::path(entry) / name;
    fs::path canonical = fs::weakly_canonical(candidate, error);
    if (!error && ::access(candidate.c_str(), X_OK) == 0 && seen.insert(canonical).second) {
      found.push_back(candidate);
    }
  }
  return found;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) {
    throw IoError("run_process: no program given");
  }
  Pipe input;
  Pipe output;
  Pipe errors;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, errors.write, STDERR_FILENO);
  if (!options.directory.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.directory.c_str());
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // The child starts its own process group so a timeout can stop everything it started.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<std::string> arguments = argv;
  std::vector<std::string> environment = child_environment(options.environment);
  std::vector<char*> argument_pointers = pointers(arguments);
  std::vector<char*> environment_pointers = pointers(environment);
  pid_t pid = 0;
  int spawned = ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes,
                               argument_pointers.data(), environment_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    throw IoError("cannot run " + argv[0] + ": " + std::strerror(spawned));
  }
  input.close_read();
  output.close_write();
  errors.close_write();
  ::fcntl(input.write, F_SETFL, O_NONBLOCK);
  // A child that exits without reading its input must not kill us with SIGPIPE.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);

  ProcessResult result;
  size_t written = 0;
  if (options.input.empty()) {
    input.close_write();
  }
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    pollfd fds[3];
    nfds_t count = 0;
    int out_index = -1;
    int err_index = -1;
    int in_index = -1;
    if (out_open) {
      out_index = static_cast<int>(count);
      fds[count++] = {output.read, POLLIN, 0};
    }
    if (err_open) {
      err_index = static_cast<int>(count);
      fds[count++] = {errors.read, POLLIN, 0};
    }
    if (input.write >= 0) {
      in_index = static_cast<int>(count);
      fds[count++] = {input.write, POLLOUT, 0};
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    int ready = ::poll(fds, count, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      break;
    }
    if (ready <= 0) {
      continue;
    }
    if (out_index >= 0 && (fds[out_index].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      out_open = drain(output.read, result.out, options.max_output, result.output_truncated);
    }
    if (err_index >= 0 && (fds[err_index].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      err_open = drain(errors.read, result.err, options.max_output, result.output_truncated);
    }
    if (in_index >= 0 && fds[in_index].revents != 0) {
      ssize_t put =
          ::write(input.write, options.input.data() + written, options.input.size() - written);
      if (put > 0) {
        written += static_cast<size_t>(put);
      }
      if ((put < 0 && errno != EAGAIN && errno != EINTR) || written == options.input.size()) {
        input.close_write();
      }
    }
  }
  input.close_write();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::sigaction(SIGPIPE, &previous, nullptr);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace setl::migrate
