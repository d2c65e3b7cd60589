package dev.sinkgate.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.route.Router;
import io.grpc.KnownLength;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WriteRequestMarshallerTest {
  private static final byte[] PAYLOAD = new byte[1000];

  static {
    new Random(6).nextBytes(PAYLOAD);
  }

  private static WriteRequest request() {
    return WriteRequest.newBuilder().setSink("audit").setKey("user-7").putHeaders("trace", "abc")
        .setProducerId("p-1").setSequence(42).setData(ByteString.copyFrom(PAYLOAD)).build();
  }

  /** Where {@link #PAYLOAD} starts in a serialized {@link #request()}: after the sink (field 1) and data's tag and length. */
  private static int payloadAt(byte[] wire) {
    int at = CodedOutputStream.computeStringSize(1, "audit") + CodedOutputStream.computeTagSize(2)
        + CodedOutputStream.computeUInt32SizeNoTag(PAYLOAD.length);
    assertEquals(PAYLOAD[0], wire[at], "the payload's first byte");
    return at;
  }

  /** A stream of known length, as the Netty transport hands the marshaller (not the in-process one). */
  private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
    KnownLengthStream(byte[] b) {
      super(b);
    }
  }

  @Test
  void parse_returnsTheRequestWithEveryField_andItsPayloadIsAViewOfTheMessageArray() {
    WriteRequest sent = request();
    byte[] wire = sent.toByteArray();

    WriteRequest parsed = WriteRequestMarshaller.parse(wire);

    assertEquals(sent, parsed);
    // Aliased, not copied: why the marshaller gives every message an array of its own.
    int at = payloadAt(wire);
    wire[at] ^= 0x5a;
    assertEquals(wire[at], parsed.getData().byteAt(0));
  }

  @Test
  void parseFromAKnownLengthStream_readsIntoAnArrayOfItsOwn() {
    WriteRequest sent = request();
    byte[] wire = sent.toByteArray();
    WriteRequestMarshaller marshaller = new WriteRequestMarshaller();

    WriteRequest parsed = marshaller.parse(new KnownLengthStream(wire));

    assertEquals(sent, parsed);
    wire[payloadAt(wire)] ^= 0x5a; // the transport reuses its buffers: the request must not see it
    assertEquals(sent, parsed);
  }

  @Test
  void parseOfAStreamOfUnknownLength_orAnEmptyOne_isTheProtobufMarshallers() {
    WriteRequestMarshaller marshaller = new WriteRequestMarshaller();
    WriteRequest sent = request();

    assertEquals(sent, marshaller.parse(new ByteArrayInputStream(sent.toByteArray())));
    assertEquals(WriteRequest.getDefaultInstance(), marshaller.parse(new KnownLengthStream(new byte[0])));
    assertEquals(sent, marshaller.parse(marshaller.stream(sent)));
  }

  @Test
  void parseOfBytesThatAreNotAWriteRequest_isInternal() {
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> new WriteRequestMarshaller().parse(new KnownLengthStream(garbage)));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("Invalid protobuf"), e.getMessage());
  }

  @Test
  void bind_parsesBothSinkMethodsRequestsWithTheMarshaller_andKeepsNamesAndSchema() {
    SinkService service = new SinkService(new Router(List.of()), StreamLimits.DEFAULT);
    ServerServiceDefinition original = service.bindService();

    ServerServiceDefinition bound = WriteRequestMarshaller.bind(service);

    assertEquals(SinkGrpc.SERVICE_NAME, bound.getServiceDescriptor().getName());
    assertSame(original.getServiceDescriptor().getSchemaDescriptor(), bound.getServiceDescriptor().getSchemaDescriptor(),
        "reflection finds the .proto through the schema descriptor");
    assertEquals(2, bound.getMethods().size());
    for (ServerMethodDefinition<?, ?> m : bound.getMethods()) {
      assertInstanceOf(WriteRequestMarshaller.class, m.getMethodDescriptor().getRequestMarshaller(),
          m.getMethodDescriptor().getFullMethodName());
      assertEquals(original.getMethod(m.getMethodDescriptor().getFullMethodName()).getServerCallHandler().getClass(),
          m.getServerCallHandler().getClass(), "the handler as bound");
    }
    assertNotEquals(original.getMethod(SinkGrpc.getWriteMethod().getFullMethodName()).getMethodDescriptor()
        .getRequestMarshaller().getClass(), WriteRequestMarshaller.class);
  }
}
