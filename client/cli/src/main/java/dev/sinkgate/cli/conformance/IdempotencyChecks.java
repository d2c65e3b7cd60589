package dev.sinkgate.cli.conformance;

import dev.sinkgate.cli.conformance.ConformanceCheck.Requires;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Checks for sinks that claim idempotency ({@code --idempotent}): a record resent with the same
 * {@code producer_id} and a {@code sequence} not above the last accepted one is answered as a
 * duplicate with the original offset, and not stored again. Each check uses a fresh producer
 * id, so reruns against the same sink do not collide.
 *
 * <p>"Not stored again" is observable only through offsets, and only when no one else writes to
 * the sink meanwhile: run the kit against a sink of its own.
 */
final class IdempotencyChecks {
  static final int REPLAY_RECORDS = 20;

  private IdempotencyChecks() {}

  static String producer(String check) {
    return "conformance-" + check + "-" + UUID.randomUUID();
  }

  static ConformanceCheck unaryDuplicate() {
    return ConformanceCheck.of("idempotent-unary-duplicate",
        "Write sequence 1 and 2 of a fresh producer_id, then resend both; the resends are answered duplicate ="
            + " true with written = the length and the original offsets, the first writes duplicate = false.",
        Requires.IDEMPOTENCY, ctx -> {
          String producer = producer("unary");
          List<WriteRequest> records = new ArrayList<>();
          List<WriteResponse> first = new ArrayList<>();
          for (int seq = 1; seq <= 2; seq++) {
            WriteRequest r = ctx.request(CheckContext.payload(12, seq)).setProducerId(producer).setSequence(seq)
                .build();
            WriteResponse w = ctx.write("Write of sequence " + seq, r);
            CheckFailure.expect(!w.getDuplicate(), "the first Write of sequence " + seq + " of a fresh producer_id"
                + " was answered duplicate = true (expected: false, nothing was stored before)");
            records.add(r);
            first.add(w);
          }
          for (int i = 0; i < 2; i++) {
            String what = "resent Write of sequence " + (i + 1) + (i == 0 ? " (below the last, 2)" : "");
            WriteResponse again = ctx.write(what, records.get(i));
            CheckFailure.expect(again.getDuplicate(), what + " was answered duplicate = false (expected: true,"
                + " the same producer_id + sequence was stored already)");
            CheckFailure.expect(again.getWritten() == 12, what + " answered written = " + again.getWritten()
                + " (expected: 12, the record's length)");
            CheckFailure.expect(again.getOffset() == first.get(i).getOffset(), what + " answered offset "
                + again.getOffset() + " (expected: " + first.get(i).getOffset() + ", the original record's)");
          }
          return "";
        });
  }

  static ConformanceCheck streamReplay() {
    return ConformanceCheck.of("idempotent-stream-replay",
        "Stream " + REPLAY_RECORDS + " records of a fresh producer_id, write a marker, replay the same stream,"
            + " write a marker; the replay is acknowledged completely and stores nothing: the markers' offsets"
            + " are adjacent and a resent last record is a duplicate from before the first marker.",
        Requires.IDEMPOTENCY, ctx -> {
          String producer = producer("stream");
          List<WriteRequest> records = new ArrayList<>();
          for (int i = 0; i < REPLAY_RECORDS; i++) {
            records.add(ctx.request(CheckContext.payload(1 + i, i)).setProducerId(producer).setSequence(i + 1)
                .build());
          }
          String marker = producer("marker");
          StreamExchange.writeAll(ctx, "the first WriteStream", records);
          long before = ctx.write("Write of the marker before the replay",
              ctx.request(CheckContext.payload(4, 1)).setProducerId(marker).setSequence(1).build()).getOffset();
          StreamExchange.writeAll(ctx, "the replayed WriteStream", records);
          long after = ctx.write("Write of the marker after the replay",
              ctx.request(CheckContext.payload(4, 2)).setProducerId(marker).setSequence(2).build()).getOffset();
          WriteResponse last = ctx.write("resent Write of the stream's last record", records.get(REPLAY_RECORDS - 1));
          CheckFailure.expect(last.getDuplicate(), "the stream's last record, resent after the replay, was answered"
              + " duplicate = false (expected: true)");
          if (before == 0 && after == 0) {
            return "the sink reports no offsets: that the replay stored nothing is not observable";
          }
          CheckFailure.expect(after == before + 1, "markers around the replayed stream got offsets " + before
              + " and " + after + " (expected: " + before + " and " + (before + 1) + ": the replay stores nothing"
              + " new; is anything else writing to this sink?)");
          CheckFailure.expect(Long.compareUnsigned(last.getOffset(), before) < 0, "the stream's last record, resent,"
              + " answered offset " + last.getOffset() + " (expected: its original offset, below the marker's "
              + before + ")");
          return "";
        });
  }
}
