package dev.sinkgate.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A foreign service's types from the server's reflection service: one
 * {@code ServerReflectionInfo} stream, {@code grpc.reflection.v1} first and {@code v1alpha}
 * when the server answers {@code UNIMPLEMENTED} for it; closed once the service is resolved.
 * The whole exchange is bounded by one deadline.
 */
final class ReflectionDescriptors {
  /**
   * v1alpha's messages are v1's, field for field (the protos differ only in their package), so
   * the v1 stubs' marshallers serve both and only the method name changes.
   */
  private static final MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> V1 =
      ServerReflectionGrpc.getServerReflectionInfoMethod();
  private static final MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> V1ALPHA =
      V1.toBuilder().setFullMethodName("grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo").build();

  private ReflectionDescriptors() {}

  /**
   * The service {@code fullName} as the server at {@code target} describes it.
   *
   * @throws BindingException if the server has no reflection service, does not know the
   *     service, or describes it incompletely
   * @throws SinkException if the exchange itself failed (the server is unreachable, the
   *     deadline passed): {@link SinkException#retryable()} says whether trying later can help
   */
  static ServiceDescriptor service(Channel channel, String target, String fullName, Deadline deadline) {
    String source = "server at " + target;
    ServerReflectionResponse first;
    Session session = new Session(channel, V1, deadline);
    try {
      try {
        first = session.ask(request().setFileContainingSymbol(fullName).build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
          throw e;
        }
        session.close();
        session = new Session(channel, V1ALPHA, deadline);
        try {
          first = session.ask(request().setFileContainingSymbol(fullName).build());
        } catch (StatusRuntimeException alpha) {
          if (alpha.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
            throw new BindingException(source + " has no reflection service (grpc.reflection.v1 or v1alpha)"
                + " and no descriptor_set was given (expected: a server with reflection, or descriptor_set"
                + " naming a file from protoc --include_imports --descriptor_set_out=FILE)", alpha);
          }
          throw alpha;
        }
      }
      FileDescriptorGraph graph = new FileDescriptorGraph(source);
      if (first.hasErrorResponse()) {
        if (first.getErrorResponse().getErrorCode() == Status.Code.NOT_FOUND.value()) {
          throw new BindingException(source + " has no service " + fullName + " (services: "
              + services(session) + ")");
        }
        throw new BindingException(source + ": reflection could not describe " + fullName + ": "
            + first.getErrorResponse().getErrorMessage());
      }
      addFiles(graph, first, source);
      for (var missing = graph.missing(); !missing.isEmpty(); missing = graph.missing()) {
        for (String file : missing) {
          ServerReflectionResponse r = session.ask(request().setFileByFilename(file).build());
          if (r.hasErrorResponse()) {
            throw new BindingException(source + ": its description of " + fullName + " imports " + file
                + ", which its reflection service does not serve (" + r.getErrorResponse().getErrorMessage() + ")");
          }
          addFiles(graph, r, source);
          if (!graph.has(file)) {
            throw new BindingException(source + ": asked for " + file + ", its reflection service sent other files");
          }
        }
      }
      return graph.service(fullName);
    } catch (StatusRuntimeException e) {
      throw SinkException.from(e);
    } finally {
      session.close();
    }
  }

  private static ServerReflectionRequest.Builder request() {
    return ServerReflectionRequest.newBuilder();
  }

  /** The services the server lists, for the message; best effort, as the message matters more. */
  private static String services(Session session) {
    try {
      ServerReflectionResponse r = session.ask(request().setListServices("").build());
      if (r.hasErrorResponse()) {
        return "not listed: " + r.getErrorResponse().getErrorMessage();
      }
      return r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName)
          .sorted().collect(Collectors.joining(", "));
    } catch (StatusRuntimeException e) {
      return "not listed: " + e.getStatus();
    }
  }

  private static void addFiles(FileDescriptorGraph graph, ServerReflectionResponse r, String source) {
    for (ByteString bytes : r.getFileDescriptorResponse().getFileDescriptorProtoList()) {
      try {
        graph.add(FileDescriptorProto.parseFrom(bytes));
      } catch (InvalidProtocolBufferException e) {
        throw new BindingException(source + ": its reflection service sent a file descriptor that does not parse: "
            + e.getMessage(), e);
      }
    }
  }

  /** One reflection stream, used as request/response pairs: one question outstanding at a time. */
  private static final class Session implements AutoCloseable {
    private final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    private final ClientCallStreamObserver<ServerReflectionRequest> requests;
    private final Deadline deadline;
    private boolean closed;

    Session(Channel channel, MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> method,
        Deadline deadline) {
      this.deadline = deadline;
      this.requests = (ClientCallStreamObserver<ServerReflectionRequest>) ClientCalls.asyncBidiStreamingCall(
          channel.newCall(method, CallOptions.DEFAULT.withDeadline(deadline)), new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse value) {
              answers.add(value);
            }

            @Override
            public void onError(Throwable t) {
              answers.add(Status.fromThrowable(t).asRuntimeException());
            }

            @Override
            public void onCompleted() {
              answers.add(Status.UNAVAILABLE.withDescription("the reflection stream ended before answering")
                  .asRuntimeException());
            }
          });
    }

    ServerReflectionResponse ask(ServerReflectionRequest question) {
      requests.onNext(question);
      Object answer;
      try {
        // The call's own deadline ends the stream with DEADLINE_EXCEEDED; the extra second only
        // guards against a transport that never reports it.
        answer = answers.poll(deadline.timeRemaining(TimeUnit.NANOSECONDS) + TimeUnit.SECONDS.toNanos(1),
            TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        requests.cancel("interrupted", e);
        throw Status.CANCELLED.withDescription("interrupted while binding").withCause(e).asRuntimeException();
      }
      if (answer == null) {
        requests.cancel("deadline", null);
        throw Status.DEADLINE_EXCEEDED.withDescription("reflection did not answer before the deadline")
            .asRuntimeException();
      }
      if (answer instanceof StatusRuntimeException e) {
        closed = true; // the stream is over
        throw e;
      }
      return (ServerReflectionResponse) answer;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        requests.onCompleted();
      }
    }
  }
}
