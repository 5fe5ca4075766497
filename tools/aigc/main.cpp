// aigc: command-line front-end of the library. main() only dispatches subcommands and turns
// failures into exit codes: 0 success, 1 error (library or I/O), 2 usage error.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "common.hpp"
#include "image_common.hpp"

namespace {

struct Command {
  const char *name;
  const char *summary;
  int (*run)(const std::vector<std::string> &);
};

const Command kCommands[] = {
    {"generate", "continue a prompt, streaming the text", aigc_cli::run_generate},
    {"perplexity", "perplexity of a text file", aigc_cli::run_perplexity},
    {"chat", "chat with an instruction model on stdin", aigc_cli::run_chat},
    {"image", "generate images (GAN, VAE, diffusion, text-to-image) as PNG", aigc_cli::run_image},
    {"vae", "encode a PNG to a latent file, or decode one", aigc_cli::run_vae},
};

// Backend names as aigc_system_info lists them: "aigc 0.1.0; backends: ref cpu cuda (unavailable:
// why)". The parenthesised reasons are skipped; each name's state comes from aigc_backend_check.
std::vector<std::string> backend_names() {
  const std::string info = aigc::system_info();
  const std::string marker = "backends:";
  const size_t at = info.find(marker);
  std::vector<std::string> names;
  if (at == std::string::npos) return names;
  std::string word;
  int depth = 0;
  for (size_t i = at + marker.size(); i <= info.size(); ++i) {
    const char c = i < info.size() ? info[i] : ' ';
    if (c == '(') ++depth;
    if (depth == 0 && c != ' ' && c != ';' && c != ',' && c != ')') word += c;
    if (c == ')' && depth > 0) --depth;
    if ((c == ' ' || c == ';' || c == ',') && depth == 0 && !word.empty()) {
      names.push_back(word);
      word.clear();
    }
    if (c == ';' && depth == 0) break;  // a later "; cpu: ..." section is not a backend list
  }
  return names;
}

// "backends: ref (available), cpu (available), cuda (not available: CUDA was not compiled in)"
std::string backends_line() {
  const std::vector<std::string> names = backend_names();
  if (names.empty()) return "build: " + aigc::system_info();  // unknown format: show it whole
  std::string line = "backends:";
  for (size_t i = 0; i < names.size(); ++i) {
    line += (i ? ", " : " ") + names[i];
    if (aigc_backend_check(names[i].c_str()) == AIGC_STATUS_OK) {
      line += " (available)";
      continue;
    }
    std::string why = aigc_last_error();
    const std::string prefix = "backend '" + names[i] + "': ";  // get_backend's wording
    if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
    line += " (not available: " + why + ")";
  }
  return line;
}

void print_usage(FILE *out, bool with_backends) {
  std::fprintf(out, "usage: aigc <command> [options]\n       aigc --version | --help\n\ncommands:\n");
  for (const Command &c : kCommands) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  std::fprintf(out, "\n'aigc <command> --help' lists a command's options.\n");
  if (with_backends) std::fprintf(out, "\n%s\n", backends_line().c_str());
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr, false);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--version" || cmd == "-V") {
    // The library actually loaded; the headers' version only when it differs.
    const std::string loaded = aigc_version();
    if (loaded == AIGC_VERSION_STRING)
      std::printf("aigc %s\n", loaded.c_str());
    else
      std::printf("aigc %s (built with headers %s)\n", loaded.c_str(), AIGC_VERSION_STRING);
    return 0;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    try {
      print_usage(stdout, true);
    } catch (const std::exception &e) {  // system_info failing must not hide the usage
      std::printf("\nbackends: unknown (%s)\n", e.what());
    }
    return 0;
  }
  const Command *command = nullptr;
  for (const Command &c : kCommands)
    if (cmd == c.name) command = &c;
  if (!command) {
    std::fprintf(stderr, "aigc: unknown command '%s'\n", cmd.c_str());
    print_usage(stderr, false);
    return 2;
  }

  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    return command->run(args);
  } catch (const aigc_cli::UsageError &e) {
    std::fprintf(stderr, "aigc %s: %s\n(see 'aigc %s --help')\n", command->name, e.what(),
                 command->name);
    return 2;
  } catch (const aigc::StatusError &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "aigc: error: %s\n", e.what());
    return 1;
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "aigc: error: %s\n", e.what());
    return 1;
  }
}
