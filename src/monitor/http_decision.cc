#include "setl/monitor/http_decision.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "setl/core/error.h"

namespace setl::monitor {
namespace {

struct Endpoint {
  std::string host;
  int port = 80;
  std::string path = "/";
};

Endpoint parse_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  auto fail = [&](const std::string& why) -> Endpoint {
    throw ConfigError("http_decision: '" + url + "' " + why +
                      "; expected http://host[:port][/path][?query]");
  };
  if (url.rfind(kScheme, 0) != 0) {
    return fail("is not an http:// URL");
  }
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  Endpoint endpoint;
  endpoint.path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  endpoint.host = authority.substr(0, colon);
  if (colon != std::string::npos) {
    std::string port = authority.substr(colon + 1);
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), endpoint.port);
    if (error != std::errc() || end != port.data() + port.size() || endpoint.port < 1 ||
        endpoint.port > 65535) {
      return fail("has a bad port");
    }
  }
  bool plain_host =
      !endpoint.host.empty() && std::all_of(endpoint.host.begin(), endpoint.host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
      });
  if (!plain_host) {
    return fail("has no plain host name");
  }
  return endpoint;
}

std::string trimmed_lower(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  size_t end = text.find_last_not_of(" \t\r\n");
  std::string word = begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return word;
}

// The answer in a body, or nullopt when the body is not one.
std::optional<bool> decision_in(const std::string& body) {
  std::string word = trimmed_lower(body);
  if (word == "true" || word == "1" || word == "yes") {
    return true;
  }
  if (word == "false" || word == "0" || word == "no") {
    return false;
  }
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("decision") && json["decision"].is_boolean()) {
    return json["decision"].get<bool>();
  }
  return std::nullopt;
}

}  // namespace

std::function<bool()> http_decision(std::string url, HttpDecisionOptions options) {
  Endpoint endpoint = parse_url(url);
  return [url = std::move(url), endpoint = std::move(endpoint), options]() -> bool {
    httplib::Client client(endpoint.host, endpoint.port);
    auto seconds = std::chrono::duration_cast<std::chrono::microseconds>(options.timeout);
    client.set_connection_timeout(seconds);
    client.set_read_timeout(seconds);
    client.set_write_timeout(seconds);
    std::string body;
    bool too_large = false;
    httplib::Result response = client.Get(endpoint.path, [&](const char* data, size_t length) {
      if (body.size() + length > options.max_body_bytes) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    if (too_large) {
      throw IoError("decision service " + url + ": the response is larger than " +
                    std::to_string(options.max_body_bytes) + " bytes");
    }
    if (!response) {
      throw IoError("decision service " + url +
                    " did not answer: " + httplib::to_string(response.error()));
    }
    if (response->status < 200 || response->status > 299) {
      throw IoError("decision service " + url + " answered HTTP " +
                    std::to_string(response->status));
    }
    std::optional<bool> decision = decision_in(body);
    if (!decision) {
      throw IoError("decision service " + url + " answered '" + body.substr(0, 80) +
                    "', which is neither true/false nor {\"decision\": true|false}");
    }
    return *decision;
  };
}

}  // namespace setl::monitor
