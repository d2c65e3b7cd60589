package dev.sinkgate.server.spool;

import dev.sinkgate.server.log.ForwardingFileChannel;
import dev.sinkgate.server.log.ForwardingLogFiles;
import dev.sinkgate.server.log.LogFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** The real file system, counting the bytes read through channels opened read-only (the way a log is followed). */
final class CountingReads extends ForwardingLogFiles {
  final AtomicLong bytesRead = new AtomicLong();

  CountingReads() {
    super(LogFiles.SYSTEM);
  }

  @Override
  public FileChannel open(Path file, OpenOption... options) throws IOException {
    FileChannel channel = super.open(file, options);
    if (!Set.of(options).equals(Set.of(StandardOpenOption.READ))) {
      return channel;
    }
    return new ForwardingFileChannel(channel) {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        int n = super.read(dst);
        if (n > 0) {
          bytesRead.addAndGet(n);
        }
        return n;
      }
    };
  }
}
