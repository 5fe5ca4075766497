// Console input of `aigc chat`: stdin read line by line, and Ctrl-C (SIGINT) turned into
// events. The handler (installed with sigaction) only writes a byte to a self-pipe and sets
// a lock-free flag, both async-signal-safe; the reply loop polls the flag, and the line
// reader waits on stdin and the pipe together, so a Ctrl-C at the prompt is seen even while
// read() blocks and whichever thread of the process the kernel delivered the signal to.
#pragma once

#include <string>

namespace aigc_cli {

class ChatInput {
 public:
  enum class Event { line, end_of_input, interrupt };

  ChatInput();   // installs the SIGINT handler; throws StatusError when it cannot
  ~ChatInput();  // restores the previous handler
  ChatInput(const ChatInput &) = delete;
  ChatInput &operator=(const ChatInput &) = delete;

  // Blocks for the next line (without its "\n" or "\r\n"), the end of stdin (a last line
  // without "\n" still comes first), or a Ctrl-C since the last forget_interrupts().
  Event read_line(std::string *line);
  // Ctrl-C pressed since the last forget_interrupts(). Safe to poll from any thread.
  static bool interrupted();
  // Marks every Ctrl-C so far as handled (the reply it stopped has ended).
  void forget_interrupts();

 private:
  std::string buffer_;  // bytes read from stdin, not yet returned as lines
  bool stdin_ended_ = false;
  void *old_action_;  // struct sigaction, kept opaque here
};

}  // namespace aigc_cli
