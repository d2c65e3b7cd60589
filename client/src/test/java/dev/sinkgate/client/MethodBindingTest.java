package dev.sinkgate.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.acme.audit.v1.AppendReply;
import com.acme.audit.v1.AppendRequest;
import com.acme.audit.v1.Audit;
import com.acme.blob.v1.Blob;
import com.acme.misfit.v1.MisfitOuterClass;
import com.acme.misfit.v1.UnsignedCount;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bind-time rules and their messages, on the test protos' descriptors (no server needed). */
class MethodBindingTest {
  private static final ServiceDescriptor AUDIT = Audit.getDescriptor().findServiceByName("AuditLog");
  private static final ServiceDescriptor BLOB = Blob.getDescriptor().findServiceByName("BlobStore");
  private static final ServiceDescriptor MISFIT = MisfitOuterClass.getDescriptor().findServiceByName("Misfit");

  private static MethodBinding bind(ServiceDescriptor service, BindingSpec spec) {
    return MethodBinding.of(service, spec);
  }

  private static String failure(ServiceDescriptor service, BindingSpec spec) {
    return assertThrows(BindingException.class, () -> bind(service, spec)).getMessage();
  }

  private static void assertContains(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), () -> "expected '" + p + "' in: " + message);
    }
  }

  @Test
  void auditAppend_bindsWithKeyAndHeaders_andDescribesTheBinding() {
    MethodBinding b = bind(AUDIT, BindingSpec.method("acme.audit.v1.AuditLog/Append").keyField("source").headersField("labels"));
    assertEquals("acme.audit.v1.AuditLog/Append: data -> AppendRequest.payload (bytes), key -> AppendRequest.source,"
        + " headers -> AppendRequest.labels, count <- AppendReply.stored (int64)", b.toString());
    assertEquals("acme.audit.v1.AuditLog/Append", b.grpcMethod().getFullMethodName());
  }

  @Test
  void request_mapsDataKeyAndHeaders_andReadsBackAsTheForeignType() throws Exception {
    MethodBinding b = bind(AUDIT, BindingSpec.method("acme.audit.v1.AuditLog/Append").keyField("source").headersField("labels"));
    DynamicMessage m = b.request(ByteString.copyFromUtf8("rec"), "k1", Map.of("a", "1", "b", "2"));
    AppendRequest parsed = AppendRequest.parseFrom(m.toByteString());
    assertEquals("rec", parsed.getPayload().toStringUtf8());
    assertEquals("k1", parsed.getSource());
    assertEquals(Map.of("a", "1", "b", "2"), parsed.getLabelsMap());
  }

  @Test
  void request_withoutMappedKey_leavesTheKeyOut() throws Exception {
    MethodBinding b = bind(AUDIT, BindingSpec.method("acme.audit.v1.AuditLog/Append"));
    AppendRequest parsed = AppendRequest.parseFrom(b.request(ByteString.copyFromUtf8("x"), "k", Map.of("a", "1")).toByteString());
    assertEquals("", parsed.getSource());
    assertTrue(parsed.getLabelsMap().isEmpty());
  }

  @Test
  void count_readsTheIntegerField_andRejectsNegativeOrLargerThanTheRecord() throws Exception {
    MethodBinding b = bind(AUDIT, BindingSpec.method("acme.audit.v1.AuditLog/Append"));
    assertEquals(3, b.count(reply(b, AppendReply.newBuilder().setStored(3).build()), 3));
    SinkException negative = assertThrows(SinkException.class,
        () -> b.count(reply(b, AppendReply.newBuilder().setStored(-1).build()), 3));
    assertEquals(Status.Code.INTERNAL, negative.code());
    assertContains(negative.getMessage(), "AppendReply.stored = -1, negative", "expected: 0 to 3");
    SinkException more = assertThrows(SinkException.class,
        () -> b.count(reply(b, AppendReply.newBuilder().setStored(4).build()), 3));
    assertContains(more.getMessage(), "= 4, more than the record's 3 bytes");
  }

  @Test
  void count_uint64BeyondLong_isAnError() throws Exception {
    MethodBinding b = bind(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Huge"));
    DynamicMessage r = DynamicMessage.parseFrom(b.method().getOutputType(),
        UnsignedCount.newBuilder().setN(-1L).build().toByteString());
    assertContains(assertThrows(SinkException.class, () -> b.count(r, 10)).getMessage(),
        "UnsignedCount.n = 18446744073709551615, beyond the range of a long");
  }

  private static DynamicMessage reply(MethodBinding b, AppendReply r) throws Exception {
    return DynamicMessage.parseFrom(b.method().getOutputType(), r.toByteString());
  }

  @Test
  void emptyReply_countsTheRecordLength() {
    MethodBinding b = bind(BLOB, BindingSpec.method("acme.blob.v1.BlobStore/Put").keyField("name"));
    assertEquals("acme.blob.v1.BlobStore/Put: data -> PutRequest.blob (bytes), key -> PutRequest.name,"
        + " count <- the record's length (google.protobuf.Empty is empty)", b.describe());
    assertEquals(7, b.count(DynamicMessage.getDefaultInstance(b.method().getOutputType()), 7));
  }

  @Test
  void twoBytesFields_withoutDataField_nameTheKeyAndCandidates() {
    String m = failure(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Signed"));
    assertContains(m, "acme.misfit.v1.Misfit/Signed(SignedRequest{bytes payload, bytes checksum, string source})"
        + " returns (Count{int64 stored})", "2 bytes fields", "set data_field to one of: payload, checksum");
    assertEquals("acme.misfit.v1.Misfit/Signed: data -> SignedRequest.checksum (bytes), count <- Count.stored (int64)",
        bind(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Signed").dataField("checksum")).describe());
  }

  @Test
  void noBytesField_saysSo() {
    assertContains(failure(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Text")),
        "Misfit/Text(TextRequest{string line})", "request TextRequest has no bytes field to carry the record",
        "expected: exactly one singular bytes field");
  }

  @Test
  void streamingMethods_eachSayWhichKind() {
    assertContains(failure(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Upload")),
        "Misfit/Upload(stream Blob{", "a client-streaming method", "expected: a unary method");
    assertContains(failure(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Watch")),
        "returns (stream Count{int64 stored})", "a server-streaming method");
    assertContains(failure(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Chat")), "a bidi-streaming method");
    assertContains(failure(AUDIT, BindingSpec.method("acme.audit.v1.AuditLog/Tail")), "a server-streaming method");
  }

  @Test
  void replyWithoutIntegerField_saysSo() {
    assertContains(failure(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Receipt")),
        "returns (ReceiptReply{string receipt})", "reply ReceiptReply has no integer field", "not empty");
  }

  @Test
  void twoIntegerFields_nameCountField() {
    assertContains(failure(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Tally")),
        "set count_field to one of: bytes_stored, total");
    assertEquals("acme.misfit.v1.Misfit/Tally: data -> Blob.data (bytes), count <- TwoCounts.total (uint64)",
        bind(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Tally").countField("total")).describe());
  }

  @Test
  void namedFields_missingOrOfTheWrongType_areErrors() {
    BindingSpec append = BindingSpec.method("acme.audit.v1.AuditLog/Append");
    assertContains(failure(AUDIT, append.dataField("body")),
        "data_field 'body': request AppendRequest has no field body (fields: payload, source, labels)");
    assertContains(failure(AUDIT, append.dataField("source")),
        "data_field 'source': AppendRequest.source is string (expected: bytes, singular)");
    assertContains(failure(AUDIT, append.countField("total")), "count_field 'total': reply AppendReply has no field total");
    assertContains(failure(AUDIT, append.keyField("labels")),
        "key_field 'labels': AppendRequest.labels is map<string, string> (expected: string, singular)");
    assertContains(failure(AUDIT, append.headersField("source")),
        "headers_field 'source': AppendRequest.source is string (expected: map<string, string>)");
    assertContains(failure(MISFIT, BindingSpec.method("acme.misfit.v1.Misfit/Huge").dataField("parts")),
        "Blob.parts is repeated bytes (expected: bytes, singular)");
  }

  @Test
  void missingMethod_listsTheServiceMethods() {
    assertContains(failure(AUDIT, BindingSpec.method("acme.audit.v1.AuditLog/Apend")),
        "service acme.audit.v1.AuditLog has no method Apend (methods: Append, Tail)");
  }

  @Test
  void malformedMethodSpec_isRejectedWithTheExpectedForm() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BindingSpec.method("AuditLog.Append"));
    assertEquals("method: 'AuditLog.Append' (expected: package.Service/Method, e.g. acme.audit.v1.AuditLog/Append)",
        e.getMessage());
    assertEquals("acme.audit.v1.AuditLog/Append", BindingSpec.method("/acme.audit.v1.AuditLog/Append").fullMethodName());
  }
}
