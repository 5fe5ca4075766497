#include "args.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace aigc_cli {

namespace {

std::vector<std::string> split_names(const std::string &names) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : names + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  return out;
}

}  // namespace

int32_t parse_int(const std::string &option, const std::string &text) {
  errno = 0;
  char *end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || v < INT32_MIN || v > INT32_MAX)
    throw UsageError(option + ": expected an integer, got '" + text + "'");
  return static_cast<int32_t>(v);
}

uint64_t parse_u64(const std::string &option, const std::string &text) {
  errno = 0;
  char *end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE)
    throw UsageError(option + ": expected a non-negative integer, got '" + text + "'");
  return static_cast<uint64_t>(v);
}

float parse_float(const std::string &option, const std::string &text) {
  char *end = nullptr;
  const float v = std::strtof(text.c_str(), &end);
  if (text.empty() || *end != '\0')
    throw UsageError(option + ": expected a number, got '" + text + "'");
  return v;
}

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

void ArgParser::option(const std::string &names, const std::string &value_name,
                       const std::string &help, std::function<void(const std::string &)> set) {
  specs_.push_back({split_names(names), value_name, help, std::move(set)});
}

void ArgParser::flag(const std::string &names, const std::string &help, std::function<void()> set) {
  specs_.push_back({split_names(names), "", help, [set](const std::string &) { set(); }});
}

void ArgParser::option_string(const std::string &names, const std::string &value_name,
                              const std::string &help, std::string *out) {
  option(names, value_name, help, [out](const std::string &v) { *out = v; });
}

void ArgParser::option_int(const std::string &names, const std::string &value_name,
                           const std::string &help, int32_t *out) {
  const std::string first = split_names(names).front();
  option(names, value_name, help, [out, first](const std::string &v) { *out = parse_int(first, v); });
}

void ArgParser::option_u64(const std::string &names, const std::string &value_name,
                           const std::string &help, uint64_t *out) {
  const std::string first = split_names(names).front();
  option(names, value_name, help, [out, first](const std::string &v) { *out = parse_u64(first, v); });
}

void ArgParser::option_float(const std::string &names, const std::string &value_name,
                             const std::string &help, float *out) {
  const std::string first = split_names(names).front();
  option(names, value_name, help,
         [out, first](const std::string &v) { *out = parse_float(first, v); });
}

void ArgParser::option_list(const std::string &names, const std::string &value_name,
                            const std::string &help, std::vector<std::string> *out) {
  option(names, value_name, help, [out](const std::string &v) { out->push_back(v); });
}

ArgParser::Spec *ArgParser::find(const std::string &name) {
  for (Spec &s : specs_)
    for (const std::string &n : s.names)
      if (n == name) return &s;
  return nullptr;
}

bool ArgParser::parse(const std::vector<std::string> &args,
                      const std::vector<std::string> &required) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    if (name == "-h" || name == "--help") {
      std::fputs(usage().c_str(), stdout);
      return false;
    }
    // "--opt=value" as well as "--opt value"
    std::string value;
    bool inline_value = false;
    const size_t eq = name.find('=');
    if (name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    Spec *spec = find(name);
    if (!spec) {
      if (name.size() > 1 && name[0] == '-') throw UsageError("unknown option '" + name + "'");
      throw UsageError("unexpected argument '" + name + "'");
    }
    if (spec->value_name.empty()) {
      if (inline_value) throw UsageError(name + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= args.size()) throw UsageError(name + " needs a value (" + spec->value_name + ")");
      value = args[++i];
    }
    spec->set(value);
    spec->seen = true;
  }
  for (const std::string &r : required) {
    Spec *spec = find(r);
    if (spec && !spec->seen) throw UsageError("missing required option " + r);
  }
  return true;
}

std::string ArgParser::usage() const {
  std::ostringstream os;
  os << "usage: aigc " << command_ << " [options]\n" << summary_ << "\n\noptions:\n";
  for (const Spec &s : specs_) {
    std::string left;
    for (size_t i = 0; i < s.names.size(); ++i) left += (i ? ", " : "") + s.names[i];
    if (!s.value_name.empty()) left += " " + s.value_name;
    os << "  " << left;
    if (left.size() < 26) {
      os << std::string(26 - left.size(), ' ');
    } else {
      os << "\n" << std::string(28, ' ');
    }
    os << s.help << "\n";
  }
  os << "  -h, --help                show this help\n";
  return os.str();
}

}  // namespace aigc_cli
