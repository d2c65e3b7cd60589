package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.route.Route;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Records at and over a route's limit, empty records and 4 MiB records, stored byte-exact. */
class RecordSizeTest {
  private static final int AUDIT_LIMIT = 65536;

  @TempDir Path dir;

  private TestGateway gateway() throws Exception {
    FileLog audit = FileLog.open(dir.resolve("audit"), w -> {});
    FileLog dflt = FileLog.open(dir.resolve("default"), w -> {});
    return new TestGateway(List.of(
        new Route("audit", new FileLogSink("audit", audit, FsyncPolicy.ALWAYS, 64, 64 << 20, Clock.systemUTC()), AUDIT_LIMIT),
        new Route("default", new FileLogSink("default", dflt, FsyncPolicy.ALWAYS, 64, 64 << 20, Clock.systemUTC()),
            Route.DEFAULT_MAX_RECORD_BYTES)));
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static WriteRequest record(String sink, byte[] data) {
    return WriteRequest.newBuilder().setSink(sink).setData(ByteString.copyFrom(data)).build();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void recordExactlyAtTheLimit_isAcceptedAndOneByteOverIsInvalidArgument(Transport t) throws Exception {
    byte[] atLimit = random(AUDIT_LIMIT, 1);
    try (TestGateway gw = gateway()) {
      var stub = gw.blocking(t).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertEquals(AUDIT_LIMIT, stub.write(record("audit", atLimit)).getWritten());

      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> stub.write(record("audit", random(AUDIT_LIMIT + 1, 2))));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("record of " + (AUDIT_LIMIT + 1) + " bytes"), e.getMessage());
      assertTrue(e.getStatus().getDescription().contains("limit of " + AUDIT_LIMIT), e.getMessage());
    }
    List<LogRecord> stored = LogReader.readAll(dir.resolve("audit"));
    assertEquals(1, stored.size(), "the oversized record must not be stored");
    assertArrayEquals(atLimit, stored.get(0).data());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void emptyRecord_isAcceptedWithZeroBytesAndStored(Transport t) throws Exception {
    try (TestGateway gw = gateway()) {
      WriteResponse r = gw.blocking(t).write(record("audit", new byte[0]));
      assertEquals(0, r.getWritten());
    }
    List<LogRecord> stored = LogReader.readAll(dir.resolve("audit"));
    assertEquals(1, stored.size());
    assertEquals(0, stored.get(0).data().length);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void fourMiBRecord_isAcceptedByTheDefaultLimitAndStoredByteExact(Transport t) throws Exception {
    byte[] big = random(4 << 20, 3);
    try (TestGateway gw = gateway()) {
      WriteResponse r = gw.blocking(t).withDeadlineAfter(30, TimeUnit.SECONDS).write(record("", big));
      assertEquals(big.length, r.getWritten());
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> gw.blocking(t).write(record("", random((4 << 20) + 1, 4))));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }
    List<LogRecord> stored = LogReader.readAll(dir.resolve("default"));
    assertEquals(1, stored.size());
    assertArrayEquals(big, stored.get(0).data());
  }
}
