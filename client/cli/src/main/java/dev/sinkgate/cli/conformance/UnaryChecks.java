package dev.sinkgate.cli.conformance;

import dev.sinkgate.cli.conformance.ConformanceCheck.Requires;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteResponse;
import java.util.List;

/** Checks of the unary {@code Write}: what {@code written} and {@code durability} say. */
final class UnaryChecks {
  /** Sizes around the places a sink might slip: one byte, odd sizes, frame and buffer edges. */
  static final List<Integer> SIZES = List.of(1, 7, 255, 256, 1000, 4096, 65_537);

  private UnaryChecks() {}

  static ConformanceCheck writtenEqualsLength() {
    return ConformanceCheck.of("unary-written-equals-length",
        "Write records of " + SIZES + " binary bytes; each answer's written equals the record's length.",
        Requires.NOTHING, ctx -> {
          for (int size : SIZES) {
            expectWritten(ctx, size);
          }
          return "";
        });
  }

  static ConformanceCheck emptyRecord() {
    return ConformanceCheck.of("empty-record", "Write an empty record; it is accepted with written 0.",
        Requires.NOTHING, ctx -> {
          expectWritten(ctx, 0);
          return "";
        });
  }

  static ConformanceCheck recordAtLimit() {
    return ConformanceCheck.of("record-at-size-limit",
        "Write a record of exactly --max-record-bytes; it is accepted whole.", Requires.NOTHING, ctx -> {
          expectWritten(ctx, ctx.maxRecordBytes());
          return ctx.maxRecordBytes() + " bytes";
        });
  }

  static ConformanceCheck durabilitySet() {
    return ConformanceCheck.of("durability-set",
        "Write one record; the answer names a durability level (never UNSPECIFIED).", Requires.NOTHING, ctx -> {
          WriteResponse r = ctx.write("Write of 10 bytes", ctx.request(CheckContext.payload(10, 3)).build());
          Durability d = r.getDurability();
          CheckFailure.expect(d != Durability.DURABILITY_UNSPECIFIED && d != Durability.UNRECOGNIZED,
              "Write answered durability " + d + " (expected: MEMORY, WRITTEN, SYNCED or DOWNSTREAM)");
          return d.name();
        });
  }

  private static void expectWritten(CheckContext ctx, int size) throws CheckFailure {
    String what = "Write of " + size + (size == 1 ? " byte" : " bytes");
    WriteResponse r = ctx.write(what, ctx.request(CheckContext.payload(size, size)).build());
    CheckFailure.expect(r.getWritten() == size,
        what + ": expected written = " + size + " (the record's length), saw " + r.getWritten());
  }
}
