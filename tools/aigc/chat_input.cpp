#include "chat_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "aigc/aigc.hpp"

namespace aigc_cli {

namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");
int g_pipe[2] = {-1, -1};  // [0] read by read_line, [1] written by the handler

extern "C" void on_chat_sigint(int) {
  const int saved_errno = errno;
  // The byte first: whoever sees the flag may drain the pipe and must find the byte there.
  const char byte = 1;
  (void)!write(g_pipe[1], &byte, 1);  // non-blocking; a full pipe already says "interrupted"
  g_interrupted.store(true);
  errno = saved_errno;
}

void drain(int fd) {
  char bytes[64];
  while (read(fd, bytes, sizeof bytes) > 0) {
  }
}

}  // namespace

ChatInput::ChatInput() {
  if (pipe2(g_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
    throw aigc::StatusError(AIGC_STATUS_IO_ERROR, std::string("chat: pipe: ") + std::strerror(errno));
  g_interrupted.store(false);
  auto *old = new struct sigaction();
  struct sigaction sa {};
  sa.sa_handler = on_chat_sigint;
  sa.sa_flags = SA_RESTART;  // writes to stdout carry on; poll() still returns EINTR
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, old);
  old_action_ = old;
}

ChatInput::~ChatInput() {
  auto *old = static_cast<struct sigaction *>(old_action_);
  sigaction(SIGINT, old, nullptr);
  delete old;
  close(g_pipe[0]);
  close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
}

bool ChatInput::interrupted() { return g_interrupted.load(); }

void ChatInput::forget_interrupts() {
  drain(g_pipe[0]);
  g_interrupted.store(false);
}

ChatInput::Event ChatInput::read_line(std::string *line) {
  while (true) {
    const size_t newline = buffer_.find('\n');
    if (newline != std::string::npos || (stdin_ended_ && !buffer_.empty())) {
      const size_t end = newline == std::string::npos ? buffer_.size() : newline;
      line->assign(buffer_, 0, end);
      if (!line->empty() && line->back() == '\r') line->pop_back();
      buffer_.erase(0, newline == std::string::npos ? end : end + 1);
      return Event::line;
    }
    if (stdin_ended_) return Event::end_of_input;

    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {g_pipe[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;  // the pipe now holds the handler's byte
      return Event::end_of_input;
    }
    if (fds[1].revents & POLLIN) return Event::interrupt;  // Ctrl-C wins over pending text
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
      char bytes[4096];
      const ssize_t n = read(STDIN_FILENO, bytes, sizeof bytes);
      if (n > 0) {
        buffer_.append(bytes, size_t(n));
      } else if (n == 0 || errno != EINTR) {
        stdin_ended_ = true;  // EOF (Ctrl-D) or an unreadable stdin: end the chat
      }
    }
  }
}

}  // namespace aigc_cli
