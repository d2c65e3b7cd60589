package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.acme.journal.v1.Entry;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code sinkctl bind} and {@code sinkctl write --method}, in this JVM, against a real foreign gRPC server on loopback. */
@Timeout(60)
class BindCommandTest {
  private static final String RECORD = "acme.journal.v1.Journal/Record";
  private static final String RECORD_BINDING = "acme.journal.v1.Journal/Record: data -> Entry.body (bytes),"
      + " key -> Entry.author, headers -> Entry.tags, count <- Receipt.accepted (uint32)";

  @TempDir
  Path tmp;
  private ForeignJournal journal;

  @AfterEach
  void stop() throws Exception {
    if (journal != null) {
      journal.close();
    }
  }

  private static void assertContains(String part, String actual) {
    assertTrue(actual.contains(part), () -> "expected <" + part + "> in <" + actual + ">");
  }

  /** The journal's types as protoc --include_imports --descriptor_set_out would write them. */
  private Path descriptorSet() throws Exception {
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    addWithImports(Entry.getDescriptor().getFile(), set);
    Path file = tmp.resolve("journal.pb");
    Files.write(file, set.build().toByteArray());
    return file;
  }

  private static void addWithImports(FileDescriptor f, FileDescriptorSet.Builder set) {
    for (FileDescriptor d : f.getDependencies()) {
      addWithImports(d, set);
    }
    if (!set.getFileList().contains(f.toProto())) {
      set.addFile(f.toProto());
    }
  }

  @Test
  void bind_byReflection_printsTheBindingAndTheMethodsShape() throws Exception {
    journal = ForeignJournal.withReflection();

    InProcessRun.Result r = InProcessRun.of("bind", "--target", journal.target(), "--method", RECORD,
        "--key-field", "author", "--headers-field", "tags");

    assertEquals(0, r.exitCode(), r::describe);
    assertEquals(RECORD_BINDING + "\n"
        + "  method: acme.journal.v1.Journal/Record(Entry{bytes body, string author, map<string, string> tags})"
        + " returns (Receipt{uint32 accepted, string id})\n"
        + "  types:  server reflection at " + journal.target() + "\n", r.out());
    assertEquals(0, journal.calls(RECORD), "bind writes nothing");
  }

  @Test
  void bind_descriptorSet_printsTheFieldsAsJsonWithoutAskingTheServer() throws Exception {
    journal = ForeignJournal.withoutReflection();
    Path set = descriptorSet();

    InProcessRun.Result r = InProcessRun.of("bind", "-t", journal.target(), "-m", RECORD, "--descriptor-set",
        set.toString(), "--key-field", "author", "--headers-field", "tags", "-o", "json");

    assertEquals(0, r.exitCode(), r::describe);
    JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
    assertEquals(RECORD, json.get("method").getAsString());
    assertEquals("body", json.get("data_field").getAsString());
    assertEquals("accepted", json.get("count_field").getAsString());
    assertEquals("author", json.get("key_field").getAsString());
    assertEquals("tags", json.get("headers_field").getAsString());
    assertEquals("descriptor set " + set, json.get("types_from").getAsString());
    assertEquals(RECORD_BINDING, json.get("binding").getAsString());
    assertEquals(0, journal.reflectionCalls());
  }

  @Test
  void bind_withoutKeyAndHeaders_jsonHasNullForThem() throws Exception {
    journal = ForeignJournal.withReflection();

    InProcessRun.Result r = InProcessRun.of("bind", "-t", journal.target(), "-m", RECORD, "-o", "json");

    assertEquals(0, r.exitCode(), r::describe);
    JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
    assertTrue(json.get("key_field").isJsonNull(), r::describe);
    assertTrue(json.get("headers_field").isJsonNull(), r::describe);
  }

  @Test
  void bind_misfit_printsTheTypeCheckersReasonAndExits11() throws Exception {
    journal = ForeignJournal.withReflection();

    InProcessRun.Result r = InProcessRun.of("bind", "-t", journal.target(), "-m", "acme.journal.v1.Journal/RecordSigned");

    assertEquals(ExitCode.NOT_BINDABLE.code(), r.exitCode(), r::describe);
    assertEquals(11, ExitCode.NOT_BINDABLE.code());
    assertEquals("", r.out());
    assertEquals("sinkctl: cannot bind acme.journal.v1.Journal/RecordSigned(SignedEntry{bytes body, bytes signature})"
        + " returns (Receipt{uint32 accepted, string id}): request SignedEntry has 2 bytes fields, so which one"
        + " carries the record is ambiguous; set data_field to one of: body, signature\n", r.err());
  }

  @Test
  void bind_streamingMethodFromADescriptorSet_exits11() throws Exception {
    InProcessRun.Result r = InProcessRun.of("bind", "-t", "127.0.0.1:1", "-m", "acme.journal.v1.Journal/Follow",
        "--descriptor-set", descriptorSet().toString());

    assertEquals(ExitCode.NOT_BINDABLE.code(), r.exitCode(), r::describe);
    assertContains("it is a server-streaming method", r.err());
  }

  @Test
  void bind_unreachableTarget_exitsWithUnavailablesCode() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nobody listens there
    }
    String target = "127.0.0.1:" + port;

    InProcessRun.Result r = InProcessRun.of("bind", "-t", target, "-m", RECORD, "--deadline", "5s");

    assertEquals(ExitCode.UNAVAILABLE.code(), r.exitCode(), r::describe);
    assertContains("sinkctl: bind " + RECORD + " at " + target + " (server reflection) failed: UNAVAILABLE", r.err());
  }

  @Test
  void bind_malformedMethod_isAUsageError() {
    InProcessRun.Result r = InProcessRun.of("bind", "-t", "127.0.0.1:1", "-m", "Journal.Record");

    assertEquals(ExitCode.USAGE.code(), r.exitCode(), r::describe);
    assertContains("sinkctl: --method: 'Journal.Record' (expected: package.Service/Method", r.err());
  }

  @Test
  void writeMethod_storesTheRecordByteExactWithKeyAndHeadersInTheirFields() throws Exception {
    journal = ForeignJournal.withReflection();
    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }

    InProcessRun.Result r = new InProcessRun().stdin(bytes).run("write", "-t", journal.target(), "-m", RECORD,
        "--key-field", "author", "--headers-field", "tags", "-k", "billing", "-H", "env=prod", "-H", "trace=", "-o", "json",
        "-");

    assertEquals(0, r.exitCode(), r::describe);
    JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
    assertEquals(RECORD, json.get("method").getAsString());
    assertEquals(256, json.get("written").getAsLong());
    assertEquals(1, journal.recorded.size());
    Entry e = journal.recorded.get(0);
    assertArrayEquals(bytes, e.getBody().toByteArray());
    assertEquals("billing", e.getAuthor());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("env", "prod");
    headers.put("trace", "");
    assertEquals(headers, e.getTagsMap());
  }

  @Test
  void writeMethod_descriptorSet_printsTheCountAsText() throws Exception {
    journal = ForeignJournal.withoutReflection();

    InProcessRun.Result r = InProcessRun.of("write", "-t", journal.target(), "-m", RECORD,
        "--descriptor-set", descriptorSet().toString(), "hello");

    assertEquals(0, r.exitCode(), r::describe);
    assertEquals("wrote 5 bytes to " + RECORD + " at " + journal.target() + "\n", r.out());
    assertEquals("hello", journal.recorded.get(0).getBody().toStringUtf8());
    assertEquals("", journal.recorded.get(0).getAuthor());
    assertEquals(0, journal.reflectionCalls());
  }

  @Test
  void writeMethod_keyWithoutKeyField_isAUsageErrorAndSendsNothing() throws Exception {
    journal = ForeignJournal.withReflection();

    InProcessRun.Result r = InProcessRun.of("write", "-t", journal.target(), "-m", RECORD, "-k", "billing", "hello");

    assertEquals(ExitCode.USAGE.code(), r.exitCode(), r::describe);
    assertContains("sinkctl: --key 'billing': the binding maps no key field (expected: --key-field FIELD", r.err());
    assertEquals(0, journal.calls(RECORD));
    assertEquals(0, journal.reflectionCalls(), "refused before anything was dialled");
  }

  @Test
  void writeMethod_headerWithoutHeadersField_isAUsageError() throws Exception {
    journal = ForeignJournal.withReflection();

    InProcessRun.Result r = InProcessRun.of("write", "-t", journal.target(), "-m", RECORD, "--key-field", "author",
        "-H", "env=prod", "hello");

    assertEquals(ExitCode.USAGE.code(), r.exitCode(), r::describe);
    assertContains("-H env=...: the binding maps no headers field (expected: --headers-field FIELD", r.err());
    assertEquals(0, journal.calls(RECORD));
  }

  @Test
  void writeMethod_withLinesOrSink_isAUsageError() {
    InProcessRun.Result lines = new InProcessRun().stdin("a\nb\n".getBytes())
        .run("write", "-t", "127.0.0.1:1", "-m", RECORD, "--lines");
    InProcessRun.Result sink = InProcessRun.of("write", "-t", "127.0.0.1:1", "-m", RECORD, "--sink", "audit", "x");

    assertEquals(ExitCode.USAGE.code(), lines.exitCode(), lines::describe);
    assertContains("--lines: a bound --method is unary and has no stream", lines.err());
    assertEquals(ExitCode.USAGE.code(), sink.exitCode(), sink::describe);
    assertContains("(expected: --sink or --method, not both)", sink.err());
  }
}
