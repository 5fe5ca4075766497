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

void print_usage(FILE *out) {
  std::fprintf(out, "usage: aigc <command> [options]\n       aigc --version\n\ncommands:\n");
  for (const Command &c : kCommands) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  std::fprintf(out, "\n'aigc <command> --help' lists a command's options.\n");
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--version" || cmd == "-V") {
    std::printf("aigc %s (library %s)\n", AIGC_VERSION_STRING, aigc_version());
    return 0;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    print_usage(stdout);
    return 0;
  }
  const Command *command = nullptr;
  for (const Command &c : kCommands)
    if (cmd == c.name) command = &c;
  if (!command) {
    std::fprintf(stderr, "aigc: unknown command '%s'\n", cmd.c_str());
    print_usage(stderr);
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
