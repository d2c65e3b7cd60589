package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.BindingException;
import dev.sinkgate.client.BindingSpec;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.WireSink;
import dev.sinkgate.server.InteropProcesses.Language;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's wire binder against services never written for sinkgate, as real processes:
 * the Node audit log typed by its own reflection service (whose answer names files by
 * package and lists no imports), the Python blob store, which has no reflection, typed by
 * its descriptor-set file.
 */
class ForeignBindingTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir
  Path tmp;

  @Test
  void nodeAuditLog_bindsThroughItsReflection_andStoresRecordsByteExactWithKeyAndLabels() throws Exception {
    ForeignServices.requireInstalled(Language.NODE, tmp);
    List<InteropRecord> sent = new ArrayList<>();
    try (ForeignServices.Service audit = ForeignServices.startAuditLog("audit", tmp.resolve("audit.jsonl"), tmp);
        SinkClient client = SinkClient.builder(audit.target()).deadline(DEADLINE).build()) {
      WireSink sink = client.bindMethod(BindingSpec.method(ForeignServices.AUDIT_APPEND)
          .keyField("source").headersField("labels"));
      assertEquals("acme.audit.v1.AuditLog/Append: data -> AppendRequest.payload (bytes), key -> AppendRequest.source,"
          + " headers -> AppendRequest.labels, count <- AppendReply.stored (int64)", sink.binding().toString());
      for (int i = 0; i < 5; i++) {
        byte[] data = i == 0 ? ForeignServicesTest.everyByte() : ("record-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Map<String, String> labels = Map.of("n", Integer.toString(i), "tenant", "acme");
        assertEquals(data.length, sink.write(ByteString.copyFrom(data), "svc-" + i, labels));
        sent.add(new InteropRecord("svc-" + i, labels, data, "", 0));
      }
      assertEquals(describe(sent), describe(audit.entries()));

      BindingException streaming = assertThrows(BindingException.class,
          () -> client.bindMethod(BindingSpec.method("acme.audit.v1.AuditLog/Tail")));
      assertTrue(streaming.getMessage().contains("acme.audit.v1.AuditLog/Tail"), streaming.getMessage());
      assertTrue(streaming.getMessage().contains("stream"), streaming.getMessage());
    }
  }

  @Test
  void pythonBlobStore_bindsThroughItsDescriptorSet_andCountsTheDataLengthForItsEmptyReply() throws Exception {
    ForeignServices.requireInstalled(Language.PYTHON, tmp);
    Path descriptors = ForeignServices.writeBlobDescriptorSet(tmp.resolve("blob.pb"), tmp);
    List<InteropRecord> sent = new ArrayList<>();
    try (ForeignServices.Service blobs = ForeignServices.startBlobStore("blobs", tmp.resolve("blobs.jsonl"), tmp);
        SinkClient client = SinkClient.builder(blobs.target()).deadline(DEADLINE).build()) {
      BindingException noReflection = assertThrows(BindingException.class,
          () -> client.bindMethod(BindingSpec.method(ForeignServices.BLOB_PUT)));
      assertTrue(noReflection.getMessage().contains("has no reflection service (grpc.reflection.v1 or v1alpha) and no"
          + " descriptor_set was given"), noReflection.getMessage());

      WireSink sink = client.bindMethod(BindingSpec.method(ForeignServices.BLOB_PUT).keyField("name")
          .descriptorSet(descriptors));
      byte[] data = ForeignServicesTest.everyByte();
      assertEquals(data.length, sink.write(ByteString.copyFrom(data), "photo-1", Map.of()));
      sent.add(new InteropRecord("photo-1", Map.of(), data, "", 0));
      assertEquals(describe(sent), describe(blobs.entries()));
    }
  }

  private static List<String> describe(List<InteropRecord> records) {
    return records.stream().map(r -> r.key() + " " + new java.util.TreeMap<>(r.headers()) + " "
        + java.util.HexFormat.of().formatHex(r.data())).toList();
  }
}
