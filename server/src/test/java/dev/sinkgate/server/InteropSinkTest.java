package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.InteropProcesses.Language;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Python and Node sinks (interop/), each a real child process, written to by the other
 * language's client: 10,000 records byte-exact and in order, deduplicated across a sink
 * restart, nothing stored past its deadline or from a cancelled stream, concurrent streams,
 * health served, the record limit enforced.
 */
class InteropSinkTest {
  private static final int RECORDS = 10_000;
  private static final Duration CLIENT_RUN = Duration.ofMinutes(3);
  private static final int MAX_RECORD_BYTES = 4 << 20;

  @TempDir Path tmp;

  @Test
  void pythonClientStreamsToNodeSink_storedByteExactInOrder_andReplayAfterRestartStoresNothing() throws Exception {
    streamThenReplayAfterRestart(Language.PYTHON, Language.NODE);
  }

  @Test
  void nodeClientStreamsToPythonSink_storedByteExactInOrder_andReplayAfterRestartStoresNothing() throws Exception {
    streamThenReplayAfterRestart(Language.NODE, Language.PYTHON);
  }

  private void streamThenReplayAfterRestart(Language client, Language sinkLanguage) throws Exception {
    InteropProcesses.requireInstalled(client, tmp);
    InteropProcesses.requireInstalled(sinkLanguage, tmp);
    List<InteropRecord> records = InteropRecord.generate(RECORDS, "producer-" + UUID.randomUUID(), 5);
    Path input = tmp.resolve("input.jsonl");
    InteropProcesses.writeInput(input, records);
    Path file = tmp.resolve("records.jsonl");
    long bytes = records.stream().mapToLong(r -> r.data().length).sum();
    Map<String, Object> finalAck = Map.of("count", (long) RECORDS, "written", bytes, "durability", "DURABILITY_WRITTEN");
    String[] stream = {"--input", input.toString(), "--stream", "--timeout", "120"};

    try (InteropProcesses.Sink sink = InteropProcesses.startSink(sinkLanguage, "sink", file, tmp)) {
      assertEquals(ServingStatus.SERVING, health(sink, ""), "overall health");
      assertEquals(ServingStatus.SERVING, health(sink, "sinkgate.v1.Sink"), "the Sink service's health");
      StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
          () -> health(sink, "no.such.Service"));
      assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode(), unknown::toString);

      ChildProcess.Finished wrote = InteropProcesses.runClient(client, "client", tmp, CLIENT_RUN,
          withTarget(sink, stream));
      assertEquals(0, wrote.exitCode(), wrote::describe);
      assertEquals(List.of(finalAck), jsonLines(wrote.stdout()), wrote::describe);
      assertSameRecords(records, sink.records());
      assertEquals(0, sink.stop(), "the sink's exit code on SIGTERM");
    }
    long fileSize = Files.size(file);

    try (InteropProcesses.Sink restarted = InteropProcesses.startSink(sinkLanguage, "sink-restarted", file, tmp)) {
      ChildProcess.Finished replayed = InteropProcesses.runClient(client, "client-replay", tmp, CLIENT_RUN,
          withTarget(restarted, stream));
      assertEquals(0, replayed.exitCode(), replayed::describe);
      // Duplicates are acknowledged (they are accepted, as duplicates) but not stored again.
      assertEquals(List.of(finalAck), jsonLines(replayed.stdout()), replayed::describe);
      assertEquals(fileSize, Files.size(file), "bytes in the sink's file after replaying every record");

      // A duplicate is answered with its original offset; a new sequence is stored after the others.
      InteropRecord first = records.get(0);
      InteropRecord last = records.get(RECORDS - 1);
      InteropRecord next = new InteropRecord("next", Map.of(), new byte[] {1, 2}, last.producerId(), last.sequence() + 1);
      Path more = tmp.resolve("more.jsonl");
      InteropProcesses.writeInput(more, List.of(last, next));
      ChildProcess.Finished unary = InteropProcesses.runClient(client, "client-unary", tmp, CLIENT_RUN,
          withTarget(restarted, "--input", more.toString()));
      assertEquals(0, unary.exitCode(), unary::describe);
      assertEquals(List.of(
          Map.of("written", (long) last.data().length, "offset", (long) RECORDS - 1,
              "durability", "DURABILITY_WRITTEN", "duplicate", true),
          Map.of("written", 2L, "offset", (long) RECORDS, "durability", "DURABILITY_WRITTEN")),
          jsonLines(unary.stdout()), unary::describe);
      List<InteropRecord> stored = restarted.records();
      assertEquals(RECORDS + 1, stored.size(), "records stored after the replay and one new record");
      assertEquals(next.describe(), stored.get(RECORDS).describe());
      assertEquals(first.describe(), stored.get(0).describe());
    }
  }

  @ParameterizedTest
  @EnumSource(Language.class)
  void recordPastItsDeadline_isNotStored_butOneWithinItIs(Language sinkLanguage) throws Exception {
    Language client = clientFor(sinkLanguage);
    // The sink waits 3 s before storing each record, so a 1 s deadline passes first. (The
    // clients connect before the deadline starts, so the record does reach the sink.)
    try (InteropProcesses.Sink sink = InteropProcesses.startSink(sinkLanguage, "slow-sink",
        tmp.resolve("records.jsonl"), tmp, "--delay", "3")) {
      for (String mode : List.of("unary", "stream")) {
        List<String> args = new ArrayList<>(List.of("--target", sink.target(), "--data", "late " + mode,
            "--timeout", "1"));
        if (mode.equals("stream")) {
          args.add("--stream");
        }
        ChildProcess.Finished late = InteropProcesses.runClient(client, "late-" + mode, tmp, CLIENT_RUN,
            args.toArray(String[]::new));
        assertEquals(1, late.exitCode(), late::describe);
        assertTrue(late.stderr().contains("DEADLINE_EXCEEDED"), late::describe);
      }
      // The sink says when it dropped each record; only then is "not stored" a fact. It sees
      // either its own deadline pass or the client cancel at its (slightly earlier) deadline.
      Poll.until(Duration.ofSeconds(60), () -> stderr(sink).split("not storing ", -1).length == 3,
          () -> "the sink to report two records it did not store; stderr:\n" + stderr(sink));
      assertEquals(List.of(), sink.records(), "records stored past their deadline");

      ChildProcess.Finished inTime = InteropProcesses.runClient(client, "in-time", tmp, CLIENT_RUN,
          "--target", sink.target(), "--data", "in time", "--timeout", "30");
      assertEquals(0, inTime.exitCode(), inTime::describe);
      assertEquals(List.of("in time"), sink.records().stream()
          .map(r -> new String(r.data(), StandardCharsets.UTF_8)).toList());
    }
  }

  @ParameterizedTest
  @EnumSource(Language.class)
  void cancelledStream_recordTheSinkHoldsIsNotStored(Language sinkLanguage) throws Exception {
    InteropProcesses.requireInstalled(sinkLanguage, tmp);
    try (InteropProcesses.Sink sink = InteropProcesses.startSink(sinkLanguage, "slow-sink",
        tmp.resolve("records.jsonl"), tmp, "--delay", "20")) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", sink.port()).usePlaintext().build();
      try {
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        StreamObserver<WriteRequest> requests = SinkGrpc.newStub(channel).writeStream(new StreamObserver<>() {
          @Override
          public void onNext(WriteAck ack) {
            ended.completeExceptionally(new AssertionError("an ack for a record the sink holds: " + ack));
          }

          @Override
          public void onError(Throwable t) {
            ended.complete(t);
          }

          @Override
          public void onCompleted() {
            ended.completeExceptionally(new AssertionError("the stream completed"));
          }
        });
        requests.onNext(WriteRequest.newBuilder().setData(ByteString.copyFromUtf8("cancelled")).build());
        Poll.until(Duration.ofSeconds(60), () -> stderr(sink).contains("holding record 0"),
            () -> "the sink to hold record 0; stderr:\n" + stderr(sink));
        requests.onError(Status.CANCELLED.withDescription("the test cancels the stream").asRuntimeException());
        assertEquals(Status.Code.CANCELLED, Status.fromThrowable(ended.get(60, TimeUnit.SECONDS)).getCode());
        Poll.until(Duration.ofSeconds(60), () -> stderr(sink).contains("not storing record 0: the call was cancelled"),
            () -> "the sink to drop the cancelled record; stderr:\n" + stderr(sink));
        assertEquals(List.of(), sink.records(), "records stored from a cancelled stream");
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Language.class)
  void emptyAndFourMebibyteRecordsAreStored_oneByteMoreIsInvalidArgumentNamingTheLimit(Language sinkLanguage)
      throws Exception {
    Language client = clientFor(sinkLanguage);
    byte[] atLimit = new byte[MAX_RECORD_BYTES];
    new Random(7).nextBytes(atLimit);
    List<InteropRecord> fit = List.of(new InteropRecord("", Map.of(), new byte[0], "", 0),
        new InteropRecord("big", Map.of("h", "v"), atLimit, "", 0));
    Path input = tmp.resolve("fit.jsonl");
    InteropProcesses.writeInput(input, fit);
    Path tooBig = tmp.resolve("too-big.jsonl");
    InteropProcesses.writeInput(tooBig, List.of(new InteropRecord("", Map.of(), new byte[MAX_RECORD_BYTES + 1], "", 0)));

    try (InteropProcesses.Sink sink = InteropProcesses.startSink(sinkLanguage, "sink", tmp.resolve("r.jsonl"), tmp)) {
      ChildProcess.Finished wrote = InteropProcesses.runClient(client, "fit", tmp, CLIENT_RUN,
          "--target", sink.target(), "--input", input.toString(), "--timeout", "60");
      assertEquals(0, wrote.exitCode(), wrote::describe);
      assertEquals(List.of(
          Map.of("written", 0L, "offset", 0L, "durability", "DURABILITY_WRITTEN"),
          Map.of("written", (long) MAX_RECORD_BYTES, "offset", 1L, "durability", "DURABILITY_WRITTEN")),
          jsonLines(wrote.stdout()), wrote::describe);
      assertSameRecords(fit, sink.records());

      ChildProcess.Finished refused = InteropProcesses.runClient(client, "too-big", tmp, CLIENT_RUN,
          "--target", sink.target(), "--input", tooBig.toString(), "--timeout", "60");
      assertEquals(1, refused.exitCode(), refused::describe);
      assertTrue(refused.stderr().contains("INVALID_ARGUMENT: the record: " + (MAX_RECORD_BYTES + 1)
          + " bytes is over this sink's record limit (expected: at most " + MAX_RECORD_BYTES + " bytes)"),
          refused::describe);
      assertEquals(2, sink.records().size(), "records stored after the oversize one was refused");
    }
  }

  @ParameterizedTest
  @EnumSource(Language.class)
  void concurrentStreamsFromTwoProducers_eachStoredCompleteAndInOrder(Language sinkLanguage) throws Exception {
    Language client = clientFor(sinkLanguage);
    int each = 2_000;
    List<String> producers = List.of("producer-a", "producer-b");
    try (InteropProcesses.Sink sink = InteropProcesses.startSink(sinkLanguage, "sink", tmp.resolve("r.jsonl"), tmp)) {
      List<ChildProcess> clients = new ArrayList<>();
      try {
        for (String producer : producers) {
          Path input = tmp.resolve(producer + ".jsonl");
          InteropProcesses.writeInput(input, InteropRecord.generate(each, producer, producer.hashCode()));
          clients.add(InteropProcesses.startClient(client, producer, tmp, "--target", sink.target(),
              "--input", input.toString(), "--stream", "--timeout", "120"));
        }
        for (ChildProcess c : clients) {
          assertEquals(0, c.awaitExit(CLIENT_RUN), () -> c + " failed; stderr: " + stderr(c));
          assertEquals((long) each, jsonLines(c.stdout()).get(0).get("count"), c + "'s final ack");
        }
      } finally {
        clients.forEach(ChildProcess::close);
      }
      List<InteropRecord> stored = sink.records();
      for (String producer : producers) {
        assertSameRecords(InteropRecord.generate(each, producer, producer.hashCode()),
            stored.stream().filter(r -> r.producerId().equals(producer)).toList());
      }
      assertEquals(2 * each, stored.size(), "records stored from both streams");
    }
  }

  static void assertSameRecords(List<InteropRecord> expected, List<InteropRecord> actual) {
    assertEquals(expected.size(), actual.size(), "records stored");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).describe(), actual.get(i).describe(), "record " + i);
    }
  }

  /** The other language's client, for a sink in {@code sinkLanguage}; fails unless both are installed. */
  private Language clientFor(Language sinkLanguage) throws Exception {
    Language client = sinkLanguage == Language.PYTHON ? Language.NODE : Language.PYTHON;
    InteropProcesses.requireInstalled(client, tmp);
    InteropProcesses.requireInstalled(sinkLanguage, tmp);
    return client;
  }

  private static String[] withTarget(InteropProcesses.Sink sink, String... args) {
    List<String> all = new ArrayList<>(List.of("--target", sink.target()));
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }

  private static ServingStatus health(InteropProcesses.Sink sink, String service) throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", sink.port()).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static String stderr(InteropProcesses.Sink sink) {
    return stderr(sink.process());
  }

  private static String stderr(ChildProcess child) {
    try {
      return child.stderr();
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  static List<Map<String, Object>> jsonLines(String stdout) {
    return stdout.lines().filter(l -> !l.isBlank()).map(JsonLine::object).toList();
  }
}
