package dev.sinkgate.cli.conformance;

import dev.sinkgate.cli.conformance.ConformanceCheck.Requires;
import dev.sinkgate.proto.v1.WriteRequest;
import java.util.ArrayList;
import java.util.List;

/** Checks of {@code WriteStream}: acks cumulative, monotonic and complete; order; concurrency. */
final class StreamChecks {
  static final int STREAM_RECORDS = 300;
  static final int ORDER_RECORDS = 50;
  static final int CONCURRENT_STREAMS = 4;
  static final int RECORDS_PER_CONCURRENT_STREAM = 100;

  private StreamChecks() {}

  /** {@code count} records for {@code ctx}'s sink, of sizes {@code minSize} to {@code minSize + 96}. */
  static List<WriteRequest> records(CheckContext ctx, int count, int minSize, int seed) {
    List<WriteRequest> records = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      records.add(ctx.request(CheckContext.payload(minSize + (i * 37 + seed) % 97, seed + i)).build());
    }
    return records;
  }

  static ConformanceCheck acksCumulative() {
    return ConformanceCheck.of("stream-acks-cumulative",
        "Stream " + STREAM_RECORDS + " records (0 to 96 bytes) and half-close; acks never go backwards, each"
            + " ack's written is the bytes of its first count records, the last covers everything, then OK.",
        Requires.NOTHING, ctx -> {
          var acks = StreamExchange.writeAll(ctx, "WriteStream", records(ctx, STREAM_RECORDS, 0, 1));
          return acks.size() + " acks";
        });
  }

  static ConformanceCheck orderKept() {
    return ConformanceCheck.of("order-kept",
        "Write 5 records one after another, then a marker, a stream of " + ORDER_RECORDS + " records and a"
            + " marker; where the sink reports offsets they increase in send order and the stream's records lie"
            + " between the markers.",
        Requires.NOTHING, ctx -> {
          List<Long> offsets = new ArrayList<>();
          for (int i = 0; i < 5; i++) {
            offsets.add(ctx.write("Write #" + (i + 1) + " of 5", ctx.request(CheckContext.payload(8, i)).build())
                .getOffset());
          }
          long before = ctx.write("Write of the marker before the stream",
              ctx.request(CheckContext.payload(8, 5)).build()).getOffset();
          StreamExchange.writeAll(ctx, "WriteStream", records(ctx, ORDER_RECORDS, 1, 2));
          long after = ctx.write("Write of the marker after the stream",
              ctx.request(CheckContext.payload(8, 6)).build()).getOffset();
          offsets.add(before);
          offsets.add(after);
          if (offsets.stream().allMatch(o -> o == 0)) {
            return "the sink reports no offsets: only the acks' order is observable";
          }
          for (int i = 1; i < 6; i++) {
            CheckFailure.expect(Long.compareUnsigned(offsets.get(i), offsets.get(i - 1)) > 0,
                "Writes made one after another got offsets " + offsets.subList(0, 6)
                    + " (expected: increasing in the order sent)");
          }
          CheckFailure.expect(after - before >= ORDER_RECORDS + 1, "markers around a stream of " + ORDER_RECORDS
              + " records got offsets " + before + " and " + after + " (expected: at least " + (ORDER_RECORDS + 1)
              + " apart, the stream's records between them)");
          return "";
        });
  }

  static ConformanceCheck concurrentStreams() {
    return ConformanceCheck.of("concurrent-streams",
        "Open " + CONCURRENT_STREAMS + " WriteStreams at once, interleave " + RECORDS_PER_CONCURRENT_STREAM
            + " records on each and half-close all; each ends OK with a complete, cumulative ack.",
        Requires.NOTHING, ctx -> {
          long until = ctx.deadlineNanos();
          List<StreamExchange> streams = new ArrayList<>();
          List<List<WriteRequest>> records = new ArrayList<>();
          for (int s = 0; s < CONCURRENT_STREAMS; s++) {
            streams.add(StreamExchange.open("stream " + (s + 1) + " of " + CONCURRENT_STREAMS, ctx.async(),
                ctx::nanoTime));
            records.add(records(ctx, RECORDS_PER_CONCURRENT_STREAM, 0, 10 + s));
          }
          for (int i = 0; i < RECORDS_PER_CONCURRENT_STREAM; i++) {
            for (int s = 0; s < CONCURRENT_STREAMS; s++) {
              streams.get(s).send(List.of(records.get(s).get(i)), until);
            }
          }
          streams.forEach(StreamExchange::halfClose);
          for (StreamExchange x : streams) {
            x.expectCompleted(until);
          }
          return "";
        });
  }
}
