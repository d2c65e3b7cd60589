package dev.sinkgate.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DataSinks#bind} on a class in a named module's unexported package: the case where
 * neither the class nor reflection can reach its public {@code write} method. The module
 * is compiled here and loaded into a layer of its own, so the test needs no build setup.
 */
class DataSinkBindingModulesTest {
  private static final Map<String, String> ACME_SOURCES = Map.of(
      "module-info.java", "module acme { exports acme.api; }",
      "acme/api/Writer.java", "package acme.api; public interface Writer { int write(byte[] data); }",
      "acme/api/Buckets.java", "package acme.api; public final class Buckets {"
          + " public static Object hidden() { return new acme.internal.Bucket(); }"
          + " public static Writer exposed() { return new acme.internal.WriterBucket(); } }",
      "acme/internal/Bucket.java", "package acme.internal; public final class Bucket {"
          + " private int bytes;"
          + " public int write(byte[] data) { bytes += data.length; return data.length; }"
          + " public String toString() { return \"Bucket(\" + bytes + \")\"; } }",
      "acme/internal/WriterBucket.java", "package acme.internal;"
          + " public final class WriterBucket implements acme.api.Writer {"
          + " private int bytes;"
          + " public int write(byte[] data) { bytes += data.length; return data.length; }"
          + " public String toString() { return \"WriterBucket(\" + bytes + \")\"; } }");

  @TempDir
  static Path work;
  private static Path compiled;

  @BeforeAll
  static void compileAcme() throws IOException {
    Path sources = work.resolve("src");
    compiled = work.resolve("classes");
    List<String> args = new ArrayList<>(List.of("-d", compiled.toString()));
    for (Map.Entry<String, String> source : ACME_SOURCES.entrySet()) {
      Path file = sources.resolve(source.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, source.getValue());
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "these tests need a JDK, not a JRE");
    assertEquals(0, javac.run(null, null, null, args.toArray(new String[0])), "javac exit code");
  }

  /** A fresh layer per test, since a test may open a package in it. */
  private static ModuleLayer.Controller defineAcme() {
    ModuleLayer boot = ModuleLayer.boot();
    Configuration config = boot.configuration()
        .resolve(ModuleFinder.of(compiled), ModuleFinder.of(), Set.of("acme"));
    return ModuleLayer.defineModulesWithOneLoader(config, List.of(boot), ClassLoader.getSystemClassLoader());
  }

  private static Object make(ModuleLayer.Controller acme, String factory) throws Exception {
    return acme.layer().findLoader("acme").loadClass("acme.api.Buckets").getMethod(factory).invoke(null);
  }

  @Test
  void bind_classInAnUnopenedPackage_failsNamingTheFlagThatWouldOpenIt() throws Exception {
    ModuleLayer.Controller acme = defineAcme();
    Object bucket = make(acme, "hidden");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSinks.bind(bucket));

    assertEquals("DataSinks.bind: public int acme.internal.Bucket.write(byte[]) has the shape"
        + " write(byte[]) -> int, but sinkgate may not call it: acme.internal.Bucket is not a public"
        + " class in an exported package, no public class or interface it extends declares the"
        + " method, and acme.internal is not open to sinkgate (expected: one of those; to open it"
        + " from the command line: --add-opens acme/acme.internal=ALL-UNNAMED)", e.getMessage());
  }

  @Test
  void bind_classInAPackageOpenedToSinkgate_binds() throws Exception {
    ModuleLayer.Controller acme = defineAcme();
    Object bucket = make(acme, "hidden");
    // What --add-opens acme/acme.internal=ALL-UNNAMED does, done at run time.
    acme.addOpens(bucket.getClass().getModule(), "acme.internal", DataSinks.class.getModule());

    DataSink sink = DataSinks.bind(bucket);

    assertEquals(3, sink.write(new byte[3]));
    assertEquals("Bucket(3)", bucket.toString());
    assertEquals("DataSinks.bind(acme.internal.Bucket::write(byte[]) -> int)", sink.toString());
  }

  @Test
  void bind_classInAnUnexportedPackage_bindsThroughTheModulesExportedInterface() throws Exception {
    Object bucket = make(defineAcme(), "exposed");

    DataSink sink = DataSinks.bind(bucket);

    assertEquals(2, sink.write(new byte[2]));
    assertEquals("WriterBucket(2)", bucket.toString());
    assertEquals("DataSinks.bind(acme.internal.WriterBucket::write(byte[]) -> int)", sink.toString());
  }
}
