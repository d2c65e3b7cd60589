package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.fail;

import dev.sinkgate.server.InteropProcesses.Language;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The foreign services of interop/foreign/ as real child processes, for tests of binding a
 * method that merely has the contract's shape: services with their own protos that know
 * nothing of sinkgate.
 * <ul>
 *   <li>{@link #startAuditLog Node's audit log}: {@code acme.audit.v1.AuditLog/Append(AppendRequest{bytes
 *       payload; string source; map<string,string> labels}) returns (AppendReply{int64 stored})}, with server
 *       reflection and the standard health service;
 *   <li>{@link #startBlobStore Python's blob store}: {@code acme.blob.v1.BlobStore/Put(PutRequest{bytes blob;
 *       string name}) returns (google.protobuf.Empty)}, with neither reflection nor health: it is bound through
 *       {@link #writeBlobDescriptorSet its descriptor set}.
 * </ul>
 * Each stores what it receives as JSON lines in a file; {@link Service#entries()} reads them back as
 * {@link InteropRecord}s in the contract's terms (payload/blob = data, source/name = key, labels = headers).
 *
 * <pre>{@code
 * try (ForeignServices.Service audit = ForeignServices.startAuditLog("audit", dir.resolve("audit.jsonl"), dir)) {
 *   // route method: acme.audit.v1.AuditLog/Append to audit.target(), write records through the gateway
 *   assertEquals(describe(written), describe(audit.entries()));
 *   assertEquals(0, audit.stop());
 * }
 * }</pre>
 */
final class ForeignServices {
  static final String AUDIT_APPEND = "acme.audit.v1.AuditLog/Append";
  static final String BLOB_PUT = "acme.blob.v1.BlobStore/Put";

  private static final Pattern LISTENING = Pattern.compile("^listening on (\\d+)$", Pattern.MULTILINE);
  private static final Duration START = Duration.ofSeconds(60);

  private ForeignServices() {}

  /**
   * Fails the test, saying what to install, unless Node with the audit log's packages ({@code npm ci} in
   * interop/node) or Debian's Python gRPC with protoc is there.
   */
  static void requireInstalled(Language language, Path scratch) throws IOException, InterruptedException {
    if (language == Language.PYTHON) {
      InteropProcesses.requireInstalled(Language.PYTHON, scratch);
      return;
    }
    List<String> probe = node("-e", "for (const m of ['@grpc/grpc-js', '@grpc/proto-loader', '@grpc/reflection',"
        + " 'grpc-health-check']) require(m)");
    ChildProcess.Finished found;
    try {
      found = ChildProcess.run("probe-foreign-node", probe, scratch, scratch, START);
    } catch (IOException e) {
      throw new AssertionError("node cannot run (" + e.getMessage() + "); run bin/test, which installs nodejs and"
          + " npm and runs npm ci in interop/node", e);
    }
    if (found.exitCode() != 0) {
      fail("interop/node's packages are missing (the audit log needs @grpc/grpc-js, @grpc/proto-loader,"
          + " @grpc/reflection and grpc-health-check): run npm ci in interop/node\n" + found.describe());
    }
  }

  /** Starts Node's audit log storing to {@code file} (output in {@code dir} as NAME.stdout/stderr); waits until it listens. */
  static Service startAuditLog(String name, Path file, Path dir) throws IOException, InterruptedException {
    return startAuditLog(name, file, dir, "127.0.0.1:0");
  }

  /** As {@link #startAuditLog(String, Path, Path)}, listening on {@code listen} (a restart on the port it had, say). */
  static Service startAuditLog(String name, Path file, Path dir, String listen) throws IOException, InterruptedException {
    return start(name, node(foreign().resolve("node/audit_log.js").toString(), "--listen", listen,
        "--file", file.toString()), file, dir, "payload", "source", "labels");
  }

  /** Starts Python's blob store storing to {@code file} (output in {@code dir} as NAME.stdout/stderr); waits until it listens. */
  static Service startBlobStore(String name, Path file, Path dir) throws IOException, InterruptedException {
    return startBlobStore(name, file, dir, "127.0.0.1:0");
  }

  /** As {@link #startBlobStore(String, Path, Path)}, listening on {@code listen} (a restart on the port it had, say). */
  static Service startBlobStore(String name, Path file, Path dir, String listen) throws IOException, InterruptedException {
    return start(name, List.of("/usr/bin/python3", foreign().resolve("python/blob_store.py").toString(),
        "--listen", listen, "--file", file.toString()), file, dir, "blob", "name", null);
  }

  /**
   * Writes the blob store's {@code FileDescriptorSet} (blob.proto and its imports) to {@code out} with
   * interop/foreign/python/descriptor_set.sh, as a user binding it without reflection would, and returns {@code out}.
   */
  static Path writeBlobDescriptorSet(Path out, Path dir) throws IOException, InterruptedException {
    ChildProcess.Finished run = ChildProcess.run("blob-descriptor-set",
        List.of(foreign().resolve("python/descriptor_set.sh").toString(), out.toString()), dir, dir, START);
    if (run.exitCode() != 0 || !Files.exists(out)) {
      fail("descriptor_set.sh did not write " + out + "\n" + run.describe());
    }
    return out;
  }

  private static Service start(String name, List<String> command, Path file, Path dir,
      String dataField, String keyField, String headersField) throws IOException, InterruptedException {
    ChildProcess child = ChildProcess.start(name, command, dir, dir);
    try {
      return new Service(child, child.awaitPort(LISTENING, START), file, dataField, keyField, headersField);
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      child.close();
      throw e;
    }
  }

  /** {@code node ARGS} with interop/node's packages resolvable (the foreign service has no node_modules of its own). */
  private static List<String> node(String... args) {
    List<String> command = new ArrayList<>(List.of("/usr/bin/env",
        "NODE_PATH=" + InteropProcesses.repoRoot().resolve("interop/node/node_modules"), "node"));
    command.addAll(List.of(args));
    return command;
  }

  private static Path foreign() {
    return InteropProcesses.repoRoot().resolve("interop/foreign");
  }

  /** A running foreign service; closing it kills the process if {@link #stop()} did not end it. */
  static final class Service extends ServedProcess {
    private final String dataField;
    private final String keyField;
    private final String headersField;

    private Service(ChildProcess child, int port, Path file, String dataField, String keyField, String headersField) {
      super(child, port, file);
      this.dataField = dataField;
      this.keyField = keyField;
      this.headersField = headersField;
    }

    /**
     * What the service stored, in arrival order, as records: data = payload/blob, key = source/name,
     * headers = labels ({@code {}} for the blob store), no producer. Checks each line's {@code sequence} is
     * its line number; a last line without its newline is still being written and is left out.
     */
    @SuppressWarnings("unchecked")
    List<InteropRecord> entries() throws IOException {
      List<InteropRecord> out = new ArrayList<>();
      for (String line : InteropProcesses.completeLines(file())) {
        Map<String, Object> o = JsonLine.object(line);
        if (!Long.valueOf(out.size()).equals(o.get("sequence"))) {
          throw new AssertionError("line " + out.size() + " of " + file() + " has sequence " + o.get("sequence")
              + ": " + line);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (headersField != null) {
          ((Map<String, Object>) o.get(headersField)).forEach((k, v) -> headers.put(k, (String) v));
        }
        out.add(new InteropRecord((String) o.get(keyField), headers,
            Base64.getDecoder().decode((String) o.get(dataField)), "", 0));
      }
      return out;
    }

  }
}
