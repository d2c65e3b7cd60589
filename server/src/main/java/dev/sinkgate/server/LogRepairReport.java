package dev.sinkgate.server;

import dev.sinkgate.server.log.LogRepair;
import java.nio.file.Path;

/** {@code sinkgate log repair}'s report for a person. */
final class LogRepairReport {
  private LogRepairReport() {}

  static String text(Path dir, LogRepair.Result r) {
    if (r.finding() == null) {
      return "log " + dir + ": ok, nothing to repair (the log continues at offset " + r.nextOffset() + ")";
    }
    StringBuilder b = new StringBuilder();
    b.append("log ").append(dir).append(": ").append(r.finding().problem().name().toLowerCase(java.util.Locale.ROOT))
        .append(" at ").append(r.finding().segment().getFileName()).append(" byte ").append(r.finding().position())
        .append(", offset ").append(r.finding().offset()).append('\n');
    b.append(r.applied() ? "repaired: " : "dry run, nothing changed; repair would: ");
    b.append("set aside ").append(r.bytesSetAside()).append(" bytes (the damaged record onwards");
    if (r.recordsSetAside() > 0) {
      b.append(", with ").append(r.recordsSetAside()).append(" valid records of later segments");
    }
    b.append(")");
    if (r.applied()) {
      b.append(" in ").append(r.asideDirectory());
    }
    b.append("; the log ").append(r.applied() ? "now ends" : "would end").append(" at offset ")
        .append(r.nextOffset()).append(" and new records continue from there");
    return b.toString();
  }
}
