package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The real file system, counting the bytes read through the channels it opens and naming the files opened. */
final class CountingLogFiles extends ForwardingLogFiles {
  long bytesRead;
  final List<String> opened = new ArrayList<>();

  CountingLogFiles() {
    super(LogFiles.SYSTEM);
  }

  @Override
  protected FileChannel wrap(Path file, FileChannel channel) {
    opened.add(file.getFileName().toString());
    return new ForwardingFileChannel(channel) {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        int n = super.read(dst, position);
        if (n > 0) {
          bytesRead += n;
        }
        return n;
      }
    };
  }

  /** The segment files ({@code .log}) opened so far, each named once. */
  List<String> segmentsOpened() {
    return opened.stream().filter(f -> f.endsWith(".log")).distinct().toList();
  }
}
