package dev.sinkgate.server.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.sinkgate.proto.v1.WriteRequest;
import io.grpc.BindableService;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses a {@link WriteRequest} off the wire with one copy of its payload instead of two.
 *
 * <p>grpc-java's protobuf marshaller reads a message into a reused per-thread array and
 * parses from it, so every {@code bytes} field is copied a second time into its own
 * {@code ByteString}. This one reads each message into an array of its own and parses with
 * aliasing, so {@link WriteRequest#getData()} is a view of that array: the array is the
 * message's, never reused or written again, and lives exactly as long as the request (and
 * the {@code Record} made from it) is referenced, so it is safe for sinks that keep the
 * record after the call returns (queued for the file log, the spool or a downstream).
 *
 * <p>Not done: true zero copy. grpc-java's experimental {@code HasByteBuffer}/{@code Detachable}
 * would let the payload alias Netty's pooled receive buffers, but those must be released by
 * hand once the last sink is done with the record. Records outlive the call (file-log
 * groups, spool, retries, tee branches), a missed release leaks pooled direct memory, and an
 * early one lets another connection's bytes overwrite a record that is still to be written —
 * silent corruption. One heap copy is the price of a lifetime the GC manages.
 *
 * <p>Streams this marshaller does not read itself go to the protobuf marshaller unchanged:
 * the in-process transport's (which hand the sender's message over without serializing
 * it) and compressed ones (of unknown length).
 */
public final class WriteRequestMarshaller implements MethodDescriptor.PrototypeMarshaller<WriteRequest> {
  private static final MethodDescriptor.PrototypeMarshaller<WriteRequest> PROTOBUF =
      (MethodDescriptor.PrototypeMarshaller<WriteRequest>) ProtoUtils.marshaller(WriteRequest.getDefaultInstance());

  /**
   * {@code service}'s definition with every method that takes {@link WriteRequest}s parsing
   * them with this marshaller; everything else (names, schema for reflection, handlers) as bound.
   */
  public static ServerServiceDefinition bind(BindableService service) {
    ServerServiceDefinition bound = service.bindService();
    ServiceDescriptor original = bound.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : bound.getMethods()) {
      ServerMethodDefinition<?, ?> replaced = withRequestMarshaller(m);
      methods.add(replaced);
      descriptor.addMethod(replaced.getMethodDescriptor());
    }
    // A new service descriptor, as the builder wants the very method descriptors it lists.
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> m : methods) {
      definition.addMethod(m);
    }
    return definition.build();
  }

  @SuppressWarnings("unchecked")
  private static <Q, R> ServerMethodDefinition<?, ?> withRequestMarshaller(ServerMethodDefinition<Q, R> m) {
    MethodDescriptor<Q, R> method = m.getMethodDescriptor();
    if (!(method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p)
        || !(p.getMessagePrototype() instanceof WriteRequest)) {
      return m;
    }
    MethodDescriptor<WriteRequest, R> replaced = ((MethodDescriptor<WriteRequest, R>) method).toBuilder()
        .setRequestMarshaller(new WriteRequestMarshaller())
        .build();
    return ServerMethodDefinition.create(replaced, (ServerCallHandler<WriteRequest, R>) m.getServerCallHandler());
  }

  @Override
  public InputStream stream(WriteRequest value) {
    return PROTOBUF.stream(value);
  }

  @Override
  public WriteRequest parse(InputStream stream) {
    if (stream instanceof Drainable || !(stream instanceof KnownLength)) {
      return PROTOBUF.parse(stream);
    }
    byte[] message;
    try {
      int size = stream.available();
      if (size <= 0) {
        return PROTOBUF.parse(stream);
      }
      message = new byte[size];
      int read = stream.readNBytes(message, 0, size); // into this array: readNBytes(int) would copy once more
      if (read != size) {
        throw Status.INTERNAL.withDescription("message announced as " + size + " bytes had " + read)
            .asRuntimeException();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return parse(message);
  }

  /**
   * Parses {@code message}, which becomes the request's: its payload is a view of the array,
   * not a copy, so nobody may write to the array afterwards.
   */
  static WriteRequest parse(byte[] message) {
    // A ByteString's coded input counts as immutable, the condition for aliasing.
    CodedInputStream in = UnsafeByteOperations.unsafeWrap(message).newCodedInput();
    in.enableAliasing(true);
    in.setSizeLimit(Integer.MAX_VALUE); // the transport enforced the message size limit already
    try {
      WriteRequest request = WriteRequest.parser().parseFrom(in);
      in.checkLastTagWas(0);
      return request;
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
    }
  }

  @Override
  public WriteRequest getMessagePrototype() {
    return WriteRequest.getDefaultInstance();
  }

  @Override
  public Class<WriteRequest> getMessageClass() {
    return WriteRequest.class;
  }
}
