package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExitCodeTest {
  @Test
  void of_everyStatusCode_mapsToTheDocumentedExitCode() {
    Map<Status.Code, Integer> documented = new EnumMap<>(Status.Code.class);
    documented.put(Status.Code.OK, 0);
    documented.put(Status.Code.INVALID_ARGUMENT, 4);
    documented.put(Status.Code.NOT_FOUND, 5);
    documented.put(Status.Code.RESOURCE_EXHAUSTED, 6);
    documented.put(Status.Code.UNAVAILABLE, 7);
    documented.put(Status.Code.DEADLINE_EXCEEDED, 8);

    for (Status.Code status : Status.Code.values()) {
      int expected = documented.getOrDefault(status, 1); // INTERNAL, UNKNOWN and the rest
      assertEquals(expected, ExitCode.of(status).code(), status::toString);
    }
  }

  @Test
  void exitCodes_areDistinctAndUsageIsTwo() {
    Set<Integer> seen = new HashSet<>();
    for (ExitCode c : ExitCode.values()) {
      assertTrue(seen.add(c.code()), () -> "exit code " + c.code() + " used twice");
    }
    assertEquals(2, ExitCode.USAGE.code(), "picocli and the gateway's own CLI use 2 for usage errors");
    assertEquals(0, ExitCode.OK.code());
  }

  @Test
  void readme_tableListsEveryExitCodeWithItsMeaning() throws Exception {
    Path readme = Path.of(System.getProperty("sinkgate.repo.root", "../.."), "README.md");
    String text = Files.readString(readme);

    for (ExitCode c : ExitCode.values()) {
      String row = "| " + c.code() + " | " + c.meaning() + " |";
      assertTrue(text.contains(row), () -> "README.md has no row <" + row + "> for " + c);
    }
  }
}
