package dev.sinkgate.server.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.SinkException;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which downstream answers make a record INVALID (the only reason a spool dead-letters it)
 * and which say the downstream as a whole is wrong (retried, counted by the breaker, the
 * spool keeps the backlog). RemoteRouteTest checks the codes end to end on real servers.
 */
class RemoteRejectionTest {

  @ParameterizedTest
  @CsvSource({
      "INVALID_ARGUMENT, INVALID", "OUT_OF_RANGE, INVALID", "FAILED_PRECONDITION, INVALID", "ALREADY_EXISTS, INVALID",
      "NOT_FOUND, NO_SUCH_ROUTE", "RESOURCE_EXHAUSTED, QUEUE_FULL", "DEADLINE_EXCEEDED, DEADLINE",
      "UNAVAILABLE, UNAVAILABLE", "CANCELLED, UNAVAILABLE", "ABORTED, UNAVAILABLE",
      "UNIMPLEMENTED, UNAVAILABLE", "UNAUTHENTICATED, UNAVAILABLE", "PERMISSION_DENIED, UNAVAILABLE",
      "UNKNOWN, UNAVAILABLE", "INTERNAL, UNAVAILABLE", "DATA_LOSS, UNAVAILABLE"})
  void downstreamCode_mapsToReason_withTheDownstreamsCodeAndDescriptionInTheMessage(Status.Code code, Reason reason) {
    try (RemoteRecordSink sink = RemoteRecordSink.open("thumbs", List.of("127.0.0.1:1"), "thumbs", Duration.ofSeconds(1))) {
      RecordRejectedException e = sink.rejection(SinkException.from(
          Status.fromCode(code).withDescription("what the downstream said").asRuntimeException()));
      assertEquals(reason, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains(code + ": what the downstream said"), e.getMessage());
      if (reason == Reason.UNAVAILABLE) {
        assertTrue(e.retryAfter() != null, "a retryable answer advises when to retry: " + e.getMessage());
      }
    }
  }
}
