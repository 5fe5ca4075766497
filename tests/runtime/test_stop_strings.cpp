#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/check.hpp"
#include "runtime/stop_strings.hpp"

using namespace aigc;
using aigc::runtime::StopStringMatcher;

TEST_CASE("stop string split across three pieces") {
  StopStringMatcher m({"</end>"});
  auto r = m.push("Hello </");
  CHECK(r.emit == "Hello ");
  CHECK_FALSE(r.stopped);
  CHECK(m.pending_size() == 2);
  r = m.push("en");
  CHECK(r.emit == "");
  CHECK_FALSE(r.stopped);
  r = m.push("d> and more");
  CHECK(r.emit == "");
  CHECK(r.stopped);
  CHECK(m.stopped());
  // After the stop nothing more comes out.
  r = m.push("x");
  CHECK(r.emit == "");
  CHECK(r.stopped);
  CHECK(m.flush() == "");
}

TEST_CASE("partial match that turns out not to match") {
  StopStringMatcher m({"STOP"});
  auto r = m.push("go ST");
  CHECK(r.emit == "go ");
  r = m.push("OX now");
  CHECK(r.emit == "STOX now");
  CHECK_FALSE(r.stopped);
  r = m.push("S");
  CHECK(r.emit == "");
  CHECK(m.flush() == "S");  // the end of the stream releases the withheld tail
}

TEST_CASE("text before the stop string in the same piece") {
  StopStringMatcher m({"\n\n"});
  auto r = m.push("line one\n\nline two");
  CHECK(r.emit == "line one");
  CHECK(r.stopped);
}

TEST_CASE("multiple stop strings: the earliest match wins") {
  StopStringMatcher m({"World", "lo W"});
  auto r = m.push("Hello World");
  CHECK(r.stopped);
  CHECK(r.emit == "Hel");  // "lo W" starts at 3, "World" at 6
  StopStringMatcher m2({"abc", "xyz"});
  r = m2.push("..xy");
  CHECK(r.emit == "..");
  r = m2.push("ab");  // "xyab": "xy" is dead, "ab" could start "abc"
  CHECK(r.emit == "xy");
  r = m2.push("c!");
  CHECK(r.stopped);
  CHECK(r.emit == "");
}

TEST_CASE("overlapping prefixes") {
  // "aab" inside "aaab": after "aa" then "a" the withheld tail must stay "aa", not restart.
  StopStringMatcher m({"aab"});
  auto r = m.push("aa");
  CHECK(r.emit == "");
  r = m.push("a");
  CHECK(r.emit == "a");
  CHECK(m.pending_size() == 2);
  r = m.push("b");
  CHECK(r.stopped);
  CHECK(r.emit == "");
  // One stop is a prefix of another: the shorter completes first.
  StopStringMatcher m2({"User:", "Us"});
  r = m2.push("x U");
  CHECK(r.emit == "x ");
  r = m2.push("s");
  CHECK(r.stopped);
  CHECK(r.emit == "");
  // Longest withheld suffix across stops: "abab" could be the start of "ababc".
  StopStringMatcher m3({"ababc", "bx"});
  r = m3.push("zabab");
  CHECK(r.emit == "z");
  r = m3.push("abc");
  CHECK(r.stopped);
  CHECK(r.emit == "ab");
}

TEST_CASE("UTF-8 multi-byte text and stop strings") {
  // "日本" = E6 97 A5 E6 9C AC; the stop "本語" shares its first character with the text.
  StopStringMatcher m({"本語", "ß"});
  auto r = m.push("日本");
  CHECK(r.emit == "日");
  CHECK(m.pending_size() == 3);  // one whole character withheld, never part of one
  r = m.push("人");
  CHECK(r.emit == "本人");
  r = m.push("éß");
  CHECK(r.stopped);
  CHECK(r.emit == "é");
}

TEST_CASE("no stop strings, reset, invalid stops") {
  StopStringMatcher none({});
  CHECK(none.push("anything").emit == "anything");
  StopStringMatcher m({"ab"});
  m.push("a");
  m.reset();
  CHECK(m.pending_size() == 0);
  CHECK(m.push("b").emit == "b");
  try {
    StopStringMatcher bad({"ok", ""});
    FAIL("empty stop string accepted");
  } catch (const Error &e) {
    CHECK(e.status() == Status::invalid_argument);
    CHECK(std::string(e.what()).find("empty") != std::string::npos);
  }
  CHECK_THROWS_AS(StopStringMatcher({std::string("\xE6\x97")}), Error);
}
