// A small command-line parser for the aigc tool: each subcommand declares its options
// (with help text) and gets typed values back; any mistake is a UsageError (exit code 2).
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace aigc_cli {

// Wrong command line: main() prints the message and the command's usage, exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ArgParser {
 public:
  // command: "generate"; summary: one line shown at the top of --help.
  ArgParser(std::string command, std::string summary);

  // Registers an option that takes a value. names: "-n, --n-predict" style, comma-separated.
  // The setter receives the text; use the typed helpers below for numbers.
  void option(const std::string &names, const std::string &value_name, const std::string &help,
              std::function<void(const std::string &)> set);
  void flag(const std::string &names, const std::string &help, std::function<void()> set);

  void option_string(const std::string &names, const std::string &value_name,
                     const std::string &help, std::string *out);
  void option_int(const std::string &names, const std::string &value_name,
                  const std::string &help, int32_t *out);
  void option_u64(const std::string &names, const std::string &value_name,
                  const std::string &help, uint64_t *out);
  // Accepts anything strtof reads fully, including "nan"/"inf": range checks belong to
  // the library, so the CLI reports exactly what the C API would.
  void option_float(const std::string &names, const std::string &value_name,
                    const std::string &help, float *out);
  void option_list(const std::string &names, const std::string &value_name,
                   const std::string &help, std::vector<std::string> *out);

  // Parses args (without the program and command names). Returns false when --help was
  // given (usage already printed to stdout). Options named in `required` must appear.
  bool parse(const std::vector<std::string> &args, const std::vector<std::string> &required = {});

  std::string usage() const;

 private:
  struct Spec {
    std::vector<std::string> names;
    std::string value_name;  // empty for a flag
    std::string help;
    std::function<void(const std::string &)> set;
    bool seen = false;
  };
  Spec *find(const std::string &name);

  std::string command_;
  std::string summary_;
  std::vector<Spec> specs_;
};

int32_t parse_int(const std::string &option, const std::string &text);
uint64_t parse_u64(const std::string &option, const std::string &text);
float parse_float(const std::string &option, const std::string &text);

}  // namespace aigc_cli
