package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.config.ConfigLoader;
import dev.sinkgate.server.config.GatewayConfig;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every built-in sink type, opened from a config the way `sinkgate serve` opens it. */
class RoutesTest {
  @TempDir Path tmp;

  private GatewayConfig config() throws Exception {
    String yaml = """
        sinks:
          default: { type: file, path: %s }
          fast:    { type: file, path: %s, fsync: never }
          trash:   { type: discard }
          console: { type: stdout, max_record_bytes: 1KiB }
        """.formatted(tmp.resolve("default"), tmp.resolve("fast"));
    return ConfigLoader.parse("routes-test.yaml", yaml);
  }

  private static Accepted write(Router router, String route, String data) throws Exception {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    return router.resolve(route, bytes.length).sink()
        .append(new Record("k", Map.of("h", "v"), bytes, Long.MAX_VALUE)).get(10, TimeUnit.SECONDS);
  }

  @Test
  void open_everyBuiltInType_acceptsRecordsAtItsDurability() throws Exception {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    List<String> warnings = new ArrayList<>();
    try (Router router = Routes.open(config().sinks(), new PrintStream(stdout, true, StandardCharsets.UTF_8), warnings::add)) {
      assertEquals(List.of("default", "fast", "trash", "console"), router.names());
      assertEquals(1024, router.routes().get("console").maxRecordBytes());

      Accepted file = write(router, "default", "to-disk");
      Accepted fast = write(router, "fast", "to-os");
      Accepted trash = write(router, "trash", "gone");
      Accepted console = write(router, "console", "to-stdout");

      assertEquals(Durability.DURABILITY_SYNCED, file.durability());
      assertEquals(Durability.DURABILITY_WRITTEN, fast.durability());
      assertEquals(Durability.DURABILITY_MEMORY, trash.durability());
      assertEquals(Durability.DURABILITY_WRITTEN, console.durability());
      assertEquals(List.of(7L, 5L, 4L, 9L), List.of(file.written(), fast.written(), trash.written(), console.written()));
    }
    assertEquals("to-stdout\n", stdout.toString(StandardCharsets.UTF_8));
    assertEquals("to-disk", new String(LogReader.readAll(tmp.resolve("default")).get(0).data(), StandardCharsets.UTF_8));
    assertEquals("to-os", new String(LogReader.readAll(tmp.resolve("fast")).get(0).data(), StandardCharsets.UTF_8));
    assertTrue(warnings.isEmpty(), warnings.toString());
  }

  @Test
  void open_aRouteThatCannotOpen_closesTheOnesAlreadyOpenAndNamesTheRoute() throws Exception {
    Path blocker = tmp.resolve("not-a-dir");
    Files.writeString(blocker, "a file where a directory should be");
    String yaml = """
        sinks:
          first:  { type: file, path: %s }
          second: { type: file, path: %s }
        """.formatted(tmp.resolve("first"), blocker.resolve("log"));
    GatewayConfig config = ConfigLoader.parse("routes-test.yaml", yaml);

    IOException e = assertThrows(IOException.class,
        () -> Routes.open(config.sinks(), System.out, w -> {}));

    assertTrue(e.getMessage().contains("route 'second'"), e.getMessage());
    // The first route's log was opened and then closed: it can be opened again at once.
    try (Router again = Routes.open(ConfigLoader.parse("again.yaml",
        "sinks:\n  first: { type: file, path: " + tmp.resolve("first") + " }\n").sinks(), System.out, w -> {})) {
      assertEquals(List.of("first"), again.names());
    }
  }
}
