// iostreams over descriptors: bytes cross a pipe unchanged whatever the mix of small and
// large reads and writes (large ones bypass the buffers), and a writer whose reader went
// away gets an error instead of SIGPIPE.
#include "setl/core/fd_stream.h"

#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

namespace setl {
namespace {

TEST(FdStream, BytesCrossAPipeUnchangedInAnyMixOfSizes) {
  std::string sent(3 << 20, '\0');
  std::mt19937 random(7);
  for (char& c : sent) {
    c = static_cast<char>(random());
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    FdOutputStream out(fds[1], FdOwnership::kClose);
    size_t at = 0;
    for (size_t size : {1ul, 100ul, 70'000ul, 5ul, 1ul << 20}) {
      out.write(sent.data() + at, static_cast<std::streamsize>(size));
      at += size;
    }
    out.put(sent[at++]);
    out.write(sent.data() + at, static_cast<std::streamsize>(sent.size() - at));
  });
  FdInputStream in(fds[0], FdOwnership::kClose);
  std::string received(sent.size(), '\0');
  size_t at = 0;
  for (size_t size : {3ul, 200'000ul, 1ul, 65'536ul}) {
    in.read(received.data() + at, static_cast<std::streamsize>(size));
    at += static_cast<size_t>(in.gcount());
  }
  received[at++] = static_cast<char>(in.get());
  in.read(received.data() + at, static_cast<std::streamsize>(received.size() - at));
  at += static_cast<size_t>(in.gcount());
  writer.join();
  EXPECT_EQ(at, sent.size());
  EXPECT_TRUE(received == sent);
  EXPECT_EQ(in.get(), std::char_traits<char>::eof());  // the writer closed its end
  EXPECT_EQ(in.buffer().error(), 0);
}

TEST(FdStream, AWriteToAPipeWithoutAReaderFailsWithEpipe) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  FdOutputStream out(fds[1], FdOwnership::kClose);
  out << "lost";
  out.flush();
  EXPECT_TRUE(out.bad());
  EXPECT_EQ(out.buffer().error(), EPIPE);
}

}  // namespace
}  // namespace setl
