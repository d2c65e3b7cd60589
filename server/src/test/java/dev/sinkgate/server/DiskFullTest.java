package dev.sinkgate.server;

import static dev.sinkgate.server.log.SmallTmpfs.PAGE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.grpc.StreamLimits;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogFiles;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.log.LogVerifier;
import dev.sinkgate.server.log.SmallTmpfs;
import dev.sinkgate.server.route.Route;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A file route whose disk fills up, on a real full file system (a 2 MiB tmpfs per test,
 * which takes root: without it the tests are skipped, saying so). The write that does not
 * fit answers RESOURCE_EXHAUSTED with RetryInfo; everything acknowledged before it stays
 * intact with nothing partial after it; the route stays SERVING (a full disk is not a
 * broken log); and once space is freed the same gateway takes records again at the next
 * offsets, so that after a restart every acknowledged record is there exactly once, in order.
 */
class DiskFullTest {
  private static final String ROUTE = "full";
  private static final long TMPFS_BYTES = 2 << 20;
  /** What the filler leaves free: room for a dozen or so records, so the disk fills within a few writes. */
  private static final long ROOM = 4 * PAGE;
  private static final int RECORD_BYTES = 1000;
  /** Far more than {@link #ROOM} holds. */
  private static final int RECORDS = 64;
  private static final Duration RESUME_DEADLINE = Duration.ofSeconds(10);

  /** Where the full disk bites. */
  enum Segments {
    /** One segment: the append's write runs out of space (partly written, then cut back). */
    LARGE(FileLog.Options.DEFAULT),
    /** One-page segments: an append never needs a new page, so the roll to the next segment runs out. */
    ONE_PAGE(FileLog.Options.DEFAULT.withSegmentBytes(FileLog.Options.MIN_SEGMENT_BYTES));

    final FileLog.Options options;

    Segments(FileLog.Options options) {
      this.options = options;
    }
  }

  @TempDir Path tmp;
  private SmallTmpfs tmpfs;
  private Path logDir;
  private final List<String> warnings = new ArrayList<>();

  @BeforeEach
  void mount() throws Exception {
    tmpfs = SmallTmpfs.mountOrAbort(tmp.resolve("tmpfs"), TMPFS_BYTES);
    logDir = tmpfs.dir().resolve(ROUTE);
  }

  @AfterEach
  void unmount() throws IOException {
    if (tmpfs != null) {
      tmpfs.close();
    }
  }

  /** A gateway with one file route (fsync always) on the tmpfs. */
  private TestGateway gateway(Segments segments) throws IOException {
    FileLog log = FileLog.open(logDir, segments.options, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add);
    FileLogSink sink = new FileLogSink(ROUTE, log, FsyncPolicy.ALWAYS, 4096, 64 << 20, Clock.systemUTC());
    try {
      // At most 8 records (~8 KB) in flight per stream, less than the room: a stream's first
      // group always fits, so some records are acknowledged before the disk is full (with
      // the default limits one group may take the whole stream), and groups of several form.
      return new TestGateway(List.of(new Route(ROUTE, sink, 4096)), new StreamLimits(8, 1 << 20));
    } catch (IOException | RuntimeException e) {
      sink.close();
      throw e;
    }
  }

  /** About 1000 bytes that say which record they are all the way through, so a misplaced piece shows. */
  private static WriteRequest record(String kind, int i) {
    String tag = kind + "-" + i + ";";
    return WriteRequest.newBuilder()
        .setSink(ROUTE)
        .setKey(kind + "-" + i)
        .putHeaders("index", Integer.toString(i))
        .setData(ByteString.copyFromUtf8(tag.repeat(RECORD_BYTES / tag.length())))
        .build();
  }

  private static WriteResponse write(SinkGrpc.SinkBlockingStub stub, WriteRequest r) {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS).write(r);
  }

  private static void assertDiskFull(StatusRuntimeException e) throws Exception {
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
    assertTrue(e.getStatus().getDescription().contains("the file system is full"), e.getStatus().getDescription());
    assertTrue(StatusCodesTest.retryDelay(e).toMillis() > 0, "RetryInfo asks for a delay");
  }

  private static void assertRouteServing(TestGateway gw) {
    ServingStatus status = HealthGrpc.newBlockingStub(gw.channel(Transport.LOOPBACK))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(Gateway.healthName(ROUTE)).build())
        .getStatus();
    assertEquals(ServingStatus.SERVING, status, "a full disk is not a failed log");
  }

  private List<String> logFiles() throws IOException {
    try (Stream<Path> files = Files.list(logDir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private List<String> segmentFiles() throws IOException {
    return logFiles().stream().filter(n -> n.endsWith(".log")).toList();
  }

  /**
   * The log holds exactly {@code expected}, in order at offsets 0, 1, 2, …, with no partial
   * record after them and no other file than its segments (a segment that could not be
   * created leaves none).
   */
  private void assertLogHolds(List<WriteRequest> expected) throws IOException {
    LogVerifier.Summary summary = LogVerifier.verify(logDir);
    assertTrue(summary.clean(), "nothing partial after the last record: " + summary.finding());
    List<LogRecord> stored = LogReader.readAll(logDir);
    assertEquals(expected.stream().map(WriteRequest::getKey).toList(),
        stored.stream().map(LogRecord::key).toList(), "the records in the log, by key");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(i, stored.get(i).offset());
      assertArrayEquals(expected.get(i).getData().toByteArray(), stored.get(i).data(), "data at offset " + i);
      assertEquals(expected.get(i).getHeadersMap(), stored.get(i).headers());
    }
    assertEquals(List.of(), logFiles().stream()
        .filter(n -> !n.endsWith(".log") && !n.equals(".lock") && !n.equals(FileLog.CLEAN_FILE)
            && !n.matches("\\d{20}\\.producers")).toList(),
        "files in the log directory besides segments, producer snapshots, the lock and the clean-close marker");
  }

  /** After the gateway closed the log: it reopens with nothing to recover and holds exactly {@code expected}. */
  private void assertReopenedLogHolds(Segments segments, List<WriteRequest> expected) throws IOException {
    try (FileLog log = FileLog.open(logDir, segments.options, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add)) {
      assertEquals(expected.size(), log.nextOffset());
    }
    // A full disk may refuse a roll's producer snapshot too: that only makes an open replay more.
    warnings.removeIf(w -> w.contains("saving the producer snapshot"));
    assertEquals(List.of(), warnings, "nothing to recover when the log is reopened");
    assertLogHolds(expected);
  }

  @ParameterizedTest
  @EnumSource(Segments.class)
  void unaryWrite_onAFullDisk_isResourceExhaustedAndSucceedsAtTheNextOffsetOnceSpaceIsFreed(Segments segments)
      throws Exception {
    List<WriteRequest> acked = new ArrayList<>();
    try (TestGateway gw = gateway(segments)) {
      SinkGrpc.SinkBlockingStub stub = gw.blocking(Transport.LOOPBACK);
      tmpfs.fillLeaving(ROOM);
      StatusRuntimeException full = null;
      while (full == null) {
        assertTrue(acked.size() < RECORDS, RECORDS + " records of " + RECORD_BYTES + " bytes fit in " + ROOM);
        WriteRequest r = record("unary", acked.size());
        try {
          assertEquals(acked.size(), write(stub, r).getOffset());
          acked.add(r);
        } catch (StatusRuntimeException e) {
          full = e;
        }
      }
      assertDiskFull(full);
      assertTrue(acked.size() >= 8, "the room took " + acked.size() + " records before the disk was full");
      assertLogHolds(acked);
      // Every two free pages became a roll's producer snapshot (written first) and a segment;
      // the roll to one more found none.
      int expectedSegments = segments == Segments.LARGE ? 1 : 1 + (int) (ROOM / (2 * PAGE));
      assertEquals(expectedSegments, segmentFiles().size(), "segments: " + segmentFiles());
      assertRouteServing(gw);

      // Still full: refused again, and nothing changes.
      assertDiskFull(assertThrows(StatusRuntimeException.class, () -> write(stub, record("unary", acked.size()))));
      assertLogHolds(acked);

      tmpfs.deleteFiller();
      Poll.until(RESUME_DEADLINE, () -> {
        WriteRequest r = record("unary", acked.size());
        try {
          assertEquals(acked.size(), write(stub, r).getOffset(), "the next offset after the acknowledged ones");
          acked.add(r);
          return true;
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
            throw e;
          }
          return false;
        }
      }, () -> "a write to succeed after the filler was deleted");
      // On past where the disk was full (through more rolls, with one-page segments).
      for (int i = 0; i < 16; i++) {
        WriteRequest r = record("unary", acked.size());
        assertEquals(acked.size(), write(stub, r).getOffset());
        acked.add(r);
      }
      assertRouteServing(gw);
    }
    assertReopenedLogHolds(segments, acked);
  }

  @ParameterizedTest
  @EnumSource(Segments.class)
  void writeStream_onAFullDisk_endsResourceExhaustedAfterTheWrittenRecordsAndResumesFromTheAck(Segments segments)
      throws Exception {
    List<WriteRequest> records = IntStream.range(0, RECORDS).mapToObj(i -> record("stream", i)).toList();
    List<WriteRequest> expected = new ArrayList<>(records);
    try (TestGateway gw = gateway(segments)) {
      tmpfs.fillLeaving(ROOM);
      StreamingCall call = StreamingCall.start(gw.async(Transport.LOOPBACK), records.iterator());
      Status status = call.done.get(30, TimeUnit.SECONDS);
      int acked = (int) call.ackedCount();
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode(), status.toString());
      assertTrue(acked > 0 && acked < RECORDS, acked + " of " + RECORDS + " records acknowledged");
      assertTrue(status.getDescription().startsWith("record " + acked + " of this stream"),
          "names the first record not acknowledged: " + status.getDescription());
      assertDiskFull((StatusRuntimeException) call.error);
      assertLogHolds(records.subList(0, acked));
      assertRouteServing(gw);

      tmpfs.deleteFiller();
      // As the contract says: resend from the acknowledged count on a new stream, until all are in.
      int[] next = {acked};
      Poll.until(RESUME_DEADLINE, () -> {
        StreamingCall resent = StreamingCall.start(gw.async(Transport.LOOPBACK),
            records.subList(next[0], RECORDS).iterator());
        Status s = resent.done.join();
        next[0] += (int) resent.ackedCount();
        if (s.getCode() != Status.Code.OK && s.getCode() != Status.Code.RESOURCE_EXHAUSTED) {
          throw new AssertionError("resent stream ended with " + s);
        }
        return s.isOk();
      }, () -> "the resent records to be accepted after the filler was deleted (" + next[0] + " are)");
      assertEquals(RECORDS, next[0]);

      WriteRequest after = record("unary", 0);
      assertEquals(RECORDS, write(gw.blocking(Transport.LOOPBACK), after).getOffset(),
          "the next offset after the stream's records");
      expected.add(after);
      assertRouteServing(gw);
    }
    assertReopenedLogHolds(segments, expected);
  }
}
