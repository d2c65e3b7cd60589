package dev.sinkgate.bench.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI form of {@code bin/bench-grpc}: the whole harness end to end in its quick form
 * (real floor and gateway processes, sinkctl in this JVM, h2load, the interop peers, the
 * disk and loopback references, idle memory), checking that it works and that every run's
 * server-side counters agree with what the generators sent. Its numbers are not looked at.
 */
class GrpcBenchSmokeTest {
  @TempDir
  Path dir;

  @Test
  void quickRun_everyCaseRuns_andServerCountersMatchTheGenerators() throws Exception {
    GrpcBenchOptions options = GrpcBenchOptions.parse(new String[] {"--quick", "--dir", dir.toString(),
        "--out", dir.resolve("out").toString(), "--warmup", "500ms", "--idle-streams", "50",
        "--idle-connections", "10", "--server-jvm", "-Xmx256m"}, dir);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    GrpcResult result;
    try (PrintStream log = new PrintStream(progress, true, StandardCharsets.UTF_8)) {
      result = new GrpcBench(options, log).run();
    }
    String log = progress.toString(StandardCharsets.UTF_8);

    // Every target × load × size ran through sinkctl, and nothing failed.
    Set<String> cases = result.runs().stream().filter(r -> r.generator().equals("sinkctl"))
        .map(r -> r.target() + "|" + r.load() + "|" + r.size()).collect(Collectors.toSet());
    for (String target : List.of("floor", "discard", "file_always", "file_interval", "remote")) {
      for (String load : List.of("unary c8", "stream c2")) {
        for (int size : List.of(100, 65536)) {
          assertTrue(cases.contains(target + "|" + load + "|" + size), "missing " + target + " " + load + " " + size
              + "; log:\n" + log);
        }
      }
    }
    for (GrpcRun r : result.runs()) {
      assertTrue(r.ok() > 0, "no record accepted in " + r.key() + "; log:\n" + log);
      assertEquals(0, r.failed(), r.key() + " failed records: " + r.errors());
      assertTrue(r.countersMatch(), r.key() + ": the servers counted " + java.util.Arrays.toString(r.counted())
          + " records, the generator saw " + r.ok() + " accepted");
      assertTrue(r.cpuSeconds() > 0 && r.peakRssBytes() > 0, r.key() + ": no CPU or RSS read from /proc");
    }
    // The remote case went through both gateways, each counting every record.
    GrpcRun remote = result.runs().stream().filter(r -> r.target().equals("remote")).findFirst().orElseThrow();
    assertEquals(2, remote.counted().length);
    // fsync: always reports its fsyncs, at most one per record.
    GrpcRun always = result.runs().stream().filter(r -> r.target().equals("file_always")).findFirst().orElseThrow();
    assertTrue(always.fsyncs() > 0 && always.fsyncs() <= always.ok(), "fsyncs " + always.fsyncs());

    // h2load against the floor, the gateway and both interop peers, unary and streaming.
    Set<String> h2 = result.runs().stream().filter(r -> r.generator().equals("h2load"))
        .map(r -> r.target() + "|" + r.load().split(" ")[0]).collect(Collectors.toSet());
    for (String target : List.of("floor", "discard", "python", "node")) {
      for (String mode : List.of("unary", "stream")) {
        assertTrue(h2.contains(target + "|" + mode), "no h2load " + mode + " run against " + target
            + " (h2load comes from Debian's nghttp2-client, which bin/test installs); log:\n" + log);
      }
    }

    // References and idle memory were measured.
    assertTrue(result.references().stream().anyMatch(r -> r.name().equals("loopback") && r.megabytesPerSecond() > 0));
    assertTrue(result.references().stream().anyMatch(r -> r.name().equals("disk batch 1") && r.syncsPerSecond() > 0));
    assertEquals(Set.of("floor", "discard"), result.memory().stream().map(IdleMemory.Result::server)
        .collect(Collectors.toSet()));
    for (IdleMemory.Result m : result.memory()) {
      assertTrue(Double.isFinite(m.heapPerStream()) && Double.isFinite(m.heapPerConnection()), m.toString());
    }

    // The reports: JSON with every run, Markdown with the targets, charts that are images.
    GrpcResult.Files files = result.write(dir.resolve("out"), "smoke");
    JsonObject json = JsonParser.parseString(Files.readString(files.json())).getAsJsonObject();
    assertEquals(result.runs().size(), json.getAsJsonArray("runs").size());
    assertFalse(json.getAsJsonArray("targets").isEmpty());
    String md = Files.readString(files.markdown());
    assertTrue(md.contains("### Targets") && md.contains("| discard | unary c8 | 100 B |"), md);
    for (Path png : files.charts()) {
      BufferedImage image = ImageIO.read(png.toFile());
      assertNotNull(image, png + " is not an image");
      assertTrue(image.getWidth() >= 800, png + " is " + image.getWidth() + " px wide");
    }
  }
}
