package dev.sinkgate.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelDataSinkTest {
  /** Larger than any pipe buffer (64 KiB on Linux), so a non-blocking pipe fills up. */
  private static final int LARGE = 1 << 20;

  /**
   * Takes at most {@code maxPerCall} bytes per write, then fails once it has
   * {@code failAfter} bytes; returns 0 (full) if {@code maxPerCall} is 0. Not selectable.
   */
  static final class StingyChannel implements WritableByteChannel {
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final List<Boolean> readOnlyViews = new ArrayList<>();
    final int maxPerCall;
    final int failAfter;
    boolean open = true;

    StingyChannel(int maxPerCall, int failAfter) {
      this.maxPerCall = maxPerCall;
      this.failAfter = failAfter;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (readOnlyViews.size() >= 10_000) {
        throw new AssertionError("10,000 write calls: the sink is spinning");
      }
      readOnlyViews.add(src.isReadOnly());
      if (received.size() >= failAfter) {
        throw new IOException("disk on fire");
      }
      int n = Math.min(maxPerCall, src.remaining());
      for (int i = 0; i < n; i++) {
        received.write(src.get());
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }

    @Override
    public String toString() {
      return "StingyChannel";
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(42).nextBytes(b);
    return b;
  }

  /** Polls {@code condition} until it holds, failing after 10 s. */
  private static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out waiting until " + what);
      }
      Thread.yield();
    }
  }

  /** Starts {@code sink.write(record)} on a thread of its own. */
  private static CompletableFuture<Integer> writeInBackground(DataSink sink, byte[] record) {
    CompletableFuture<Integer> written = new CompletableFuture<>();
    Thread writer = new Thread(() -> {
      try {
        written.complete(sink.write(record));
      } catch (Throwable t) {
        written.completeExceptionally(t);
      }
    }, "channel-test-writer");
    writer.setDaemon(true);
    writer.start();
    return written;
  }

  private static byte[] readFully(Pipe.SourceChannel source, int n) throws IOException {
    ByteBuffer in = ByteBuffer.allocate(n);
    while (in.hasRemaining()) {
      if (source.read(in) < 0) {
        fail("the pipe ended after " + in.position() + " of " + n + " bytes");
      }
    }
    return in.array();
  }

  @Test
  void channel_writesEveryRecordToAFileAndClosesTheChannelOnce(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("records");
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    DataSink sink = DataSinks.channel(channel);

    assertEquals(5, sink.write("hello".getBytes(UTF_8)));
    assertEquals(0, sink.write(new byte[0]));
    assertEquals(LARGE, sink.write(randomBytes(LARGE)));
    assertTrue(sink.toString().startsWith("DataSinks.channel("), sink.toString());
    assertTrue(sink.toString().contains(channel.toString()), sink.toString());
    sink.close();
    sink.close();

    assertFalse(channel.isOpen());
    byte[] content = Files.readAllBytes(file);
    assertEquals(5 + LARGE, content.length);
    assertEquals("hello", new String(content, 0, 5, UTF_8));
    assertArrayEquals(randomBytes(LARGE), Arrays.copyOfRange(content, 5, content.length));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> sink.write(new byte[1]));
    assertEquals(sink + " is closed", e.getMessage());
  }

  @Test
  void channel_loopsUntilAChannelThatTakesThreeBytesAtATimeHasTheWholeRecord() {
    StingyChannel channel = new StingyChannel(3, Integer.MAX_VALUE);
    DataSink sink = DataSinks.channel(channel);

    assertEquals(10, sink.write("0123456789".getBytes(UTF_8)));

    assertEquals("0123456789", channel.received.toString(UTF_8));
    assertEquals(List.of(true, true, true, true), channel.readOnlyViews);
  }

  @Test
  void channel_reportsAFailureWithHowManyBytesWereWritten() {
    StingyChannel channel = new StingyChannel(2, 2);
    DataSink sink = DataSinks.channel(channel);

    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> sink.write("abcde".getBytes(UTF_8)));

    assertEquals("DataSinks.channel(StingyChannel): write failed after 2 of 5 bytes"
        + " (the channel may now hold a partial record)", e.getMessage());
    assertEquals("disk on fire", e.getCause().getMessage());
  }

  @Test
  void channel_thatAcceptsNothingAndCannotBeWaitedOnFailsInsteadOfSpinning() {
    StingyChannel full = new StingyChannel(0, Integer.MAX_VALUE);
    DataSink sink = DataSinks.channel(full);

    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> sink.write(new byte[4]));

    assertEquals("StingyChannel accepted 0 bytes and offers no way to wait until it can take more"
        + " (expected: a blocking channel, or a non-blocking SelectableChannel)",
        e.getCause().getMessage());
    assertEquals(1, full.readOnlyViews.size(), "write calls before giving up");
  }

  @Test
  void channel_waitsOnASelectorForAFullNonBlockingPipeAndFinishesTheRecord() throws Exception {
    Pipe pipe = Pipe.open();
    try (Pipe.SourceChannel source = pipe.source()) {
      pipe.sink().configureBlocking(false);
      DataSink sink = DataSinks.channel(pipe.sink());
      byte[] record = randomBytes(LARGE);

      CompletableFuture<Integer> written = writeInBackground(sink, record);
      // Registered with a selector means the writer found the pipe full and is waiting for
      // it to drain; a writer that spun or gave up would never get here.
      awaitTrue(() -> pipe.sink().isRegistered(), "the writer waits on a selector");
      byte[] received = readFully(source, LARGE);

      assertEquals(LARGE, written.get(10, TimeUnit.SECONDS));
      assertArrayEquals(record, received);
      // Deregistered before write returned, so the owner may make the channel blocking again.
      assertFalse(pipe.sink().isRegistered());
      pipe.sink().configureBlocking(true);
      sink.close();
      assertFalse(pipe.sink().isOpen());
    }
  }

  @Test
  void channel_interruptEndsTheWaitAndLeavesTheInterruptSet() throws Exception {
    Pipe pipe = Pipe.open();
    DataSink sink = DataSinks.channel(pipe.sink());
    try {
      pipe.sink().configureBlocking(false);
      CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
      // On a thread of its own, so that a sink that spun instead of waiting fails the test
      // by timing out rather than hanging it.
      CompletableFuture<Integer> written = writeInBackground(data -> {
        Thread.currentThread().interrupt();
        try {
          return sink.write(data);
        } finally {
          stillInterrupted.complete(Thread.currentThread().isInterrupted());
        }
      }, randomBytes(LARGE));

      ExecutionException e = assertThrows(ExecutionException.class, () -> written.get(10, TimeUnit.SECONDS));
      assertTrue(stillInterrupted.get());
      assertInstanceOf(UncheckedIOException.class, e.getCause());
      assertInstanceOf(InterruptedIOException.class, e.getCause().getCause());
      Matcher m = Pattern.compile("write failed after (\\d+) of " + LARGE + " bytes")
          .matcher(e.getCause().getMessage());
      assertTrue(m.find(), e.getCause().getMessage());
      int partial = Integer.parseInt(m.group(1));
      assertTrue(partial > 0 && partial < LARGE, "the pipe took part of the record: " + partial);
      assertFalse(pipe.sink().isRegistered());
    } finally {
      sink.close();
      pipe.source().close();
    }
  }

  @Test
  void close_fromAnotherThreadEndsAWriteWaitingOnAFullPipe() throws Exception {
    Pipe pipe = Pipe.open();
    try {
      pipe.sink().configureBlocking(false);
      DataSink sink = DataSinks.channel(pipe.sink());

      CompletableFuture<Integer> written = writeInBackground(sink, randomBytes(LARGE));
      awaitTrue(() -> pipe.sink().isRegistered(), "the writer waits on a selector");
      sink.close();

      ExecutionException e = assertThrows(ExecutionException.class, () -> written.get(10, TimeUnit.SECONDS));
      assertInstanceOf(UncheckedIOException.class, e.getCause());
      assertInstanceOf(AsynchronousCloseException.class, e.getCause().getCause());
      assertFalse(pipe.sink().isOpen());
    } finally {
      pipe.sink().close();
      pipe.source().close();
    }
  }

  @Test
  void channel_rejectsANullChannel() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> DataSinks.channel(null));
    assertEquals("channel", e.getMessage());
  }
}
