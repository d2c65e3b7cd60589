package dev.sinkgate.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A foreign gRPC method checked, once, to have the contract's shape — bytes in, a count
 * out — and the field mapping that makes it a sink. Built by {@link #of}; after that,
 * {@link #request} and {@link #count} use the resolved fields directly, with no lookups
 * by name and no calls to the server.
 *
 * <p>The rules: the method is unary; the request has exactly one singular {@code bytes}
 * field, or the one {@code data_field} names; the reply has exactly one singular integer
 * field ({@code int32}, {@code int64}, {@code uint32}, {@code uint64} and their
 * {@code sint}/{@code fixed}/{@code sfixed} encodings, which are the same numbers on the
 * wire's other side), or the one {@code count_field} names, or no fields at all (such as
 * {@code google.protobuf.Empty}), in which case the count is the record's length. An
 * optional {@code key_field} must be a singular {@code string}, an optional
 * {@code headers_field} a {@code map<string, string>}.
 *
 * <p>Immutable and thread-safe. {@link #toString()} is {@link #describe()}.
 */
public final class MethodBinding {
  private static final Set<FieldDescriptor.Type> INTEGERS = EnumSet.of(
      FieldDescriptor.Type.INT32, FieldDescriptor.Type.INT64, FieldDescriptor.Type.UINT32,
      FieldDescriptor.Type.UINT64, FieldDescriptor.Type.SINT32, FieldDescriptor.Type.SINT64,
      FieldDescriptor.Type.FIXED32, FieldDescriptor.Type.FIXED64, FieldDescriptor.Type.SFIXED32,
      FieldDescriptor.Type.SFIXED64);
  private static final String UNARY = "(expected: a unary method: one request with a bytes field in,"
      + " one reply with an integer count out)";

  private final MethodDescriptor method;
  private final FieldDescriptor data;
  private final FieldDescriptor count; // null: an empty reply, the count is the record's length
  private final FieldDescriptor key;
  private final FieldDescriptor headers;
  private final io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod;

  private MethodBinding(MethodDescriptor method, FieldDescriptor data, FieldDescriptor count,
      FieldDescriptor key, FieldDescriptor headers) {
    this.method = method;
    this.data = data;
    this.count = count;
    this.key = key;
    this.headers = headers;
    this.grpcMethod = io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
        .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(
            method.getService().getFullName(), method.getName()))
        // ProtoUtils' marshaller parses with the default instance's parser, which for a
        // DynamicMessage is bound to the descriptor: the reply is read without generated code.
        .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
        .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
        .build();
  }

  /**
   * Finds {@code spec}'s method in {@code service} and checks it binds.
   *
   * @throws BindingException if the method does not exist or does not fit, saying why
   */
  public static MethodBinding of(ServiceDescriptor service, BindingSpec spec) {
    if (!service.getFullName().equals(spec.service())) {
      throw new IllegalArgumentException("service: " + service.getFullName() + " (expected: " + spec.service() + ")");
    }
    MethodDescriptor m = service.findMethodByName(spec.method());
    if (m == null) {
      throw new BindingException("cannot bind " + spec.fullMethodName() + ": service " + service.getFullName()
          + " has no method " + spec.method() + " (methods: "
          + service.getMethods().stream().map(MethodDescriptor::getName).collect(Collectors.joining(", ")) + ")");
    }
    return of(m, spec);
  }

  /**
   * Checks that {@code method} binds under {@code spec}'s field names.
   *
   * @throws BindingException if it does not, saying which rule failed and how to fix it
   */
  public static MethodBinding of(MethodDescriptor method, BindingSpec spec) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(spec, "spec");
    String sig = signature(method);
    if (method.isClientStreaming() || method.isServerStreaming()) {
      String kind = method.isClientStreaming() && method.isServerStreaming() ? "bidi-streaming"
          : method.isClientStreaming() ? "client-streaming" : "server-streaming";
      throw new BindingException("cannot bind " + sig + ": it is a " + kind + " method " + UNARY);
    }
    Descriptor in = method.getInputType();
    Descriptor out = method.getOutputType();
    FieldDescriptor data = dataField(sig, in, spec.dataField());
    FieldDescriptor count = countField(sig, out, spec.countField());
    FieldDescriptor key = null;
    if (spec.keyField() != null) {
      key = named(sig, "key_field", "request", in, spec.keyField());
      if (key.isRepeated() || key.getType() != FieldDescriptor.Type.STRING) {
        throw wrongType(sig, "key_field", key, "string, singular");
      }
    }
    FieldDescriptor headers = null;
    if (spec.headersField() != null) {
      headers = named(sig, "headers_field", "request", in, spec.headersField());
      if (!isStringMap(headers)) {
        throw wrongType(sig, "headers_field", headers, "map<string, string>");
      }
    }
    for (FieldDescriptor f : new FieldDescriptor[] {key, headers}) {
      if (f == data) {
        throw new BindingException("cannot bind " + sig + ": " + in.getName() + "." + data.getName()
            + " is named both as the data field and as key_field or headers_field (expected: different fields)");
      }
    }
    return new MethodBinding(method, data, count, key, headers);
  }

  private static FieldDescriptor dataField(String sig, Descriptor in, String name) {
    if (name != null) {
      FieldDescriptor f = named(sig, "data_field", "request", in, name);
      if (f.isRepeated() || f.getType() != FieldDescriptor.Type.BYTES) {
        throw wrongType(sig, "data_field", f, "bytes, singular");
      }
      return f;
    }
    List<FieldDescriptor> bytes = in.getFields().stream()
        .filter(f -> !f.isRepeated() && f.getType() == FieldDescriptor.Type.BYTES).toList();
    if (bytes.isEmpty()) {
      List<FieldDescriptor> repeated = in.getFields().stream()
          .filter(f -> f.isRepeated() && f.getType() == FieldDescriptor.Type.BYTES).toList();
      throw new BindingException("cannot bind " + sig + ": request " + in.getName()
          + " has no bytes field to carry the record"
          + (repeated.isEmpty() ? "" : " (" + names(repeated) + " is repeated, and a record is one value)")
          + " (expected: exactly one singular bytes field)");
    }
    if (bytes.size() > 1) {
      throw new BindingException("cannot bind " + sig + ": request " + in.getName() + " has " + bytes.size()
          + " bytes fields, so which one carries the record is ambiguous; set data_field to one of: " + names(bytes));
    }
    return bytes.get(0);
  }

  private static FieldDescriptor countField(String sig, Descriptor out, String name) {
    if (name != null) {
      FieldDescriptor f = named(sig, "count_field", "reply", out, name);
      if (f.isRepeated() || !INTEGERS.contains(f.getType())) {
        throw wrongType(sig, "count_field", f, "an integer: int32, int64, uint32, uint64 or a sint/fixed variant, singular");
      }
      return f;
    }
    if (out.getFields().isEmpty()) {
      return null;
    }
    List<FieldDescriptor> ints = out.getFields().stream()
        .filter(f -> !f.isRepeated() && INTEGERS.contains(f.getType())).toList();
    if (ints.isEmpty()) {
      throw new BindingException("cannot bind " + sig + ": reply " + out.getName()
          + " has no integer field to read the count from, and it is not empty (expected: one int32, int64,"
          + " uint32 or uint64 field (or count_field naming one), or an empty reply such as"
          + " google.protobuf.Empty, whose count is the record's length)");
    }
    if (ints.size() > 1) {
      throw new BindingException("cannot bind " + sig + ": reply " + out.getName() + " has " + ints.size()
          + " integer fields, so which one is the count is ambiguous; set count_field to one of: " + names(ints));
    }
    return ints.get(0);
  }

  private static FieldDescriptor named(String sig, String key, String role, Descriptor type, String name) {
    FieldDescriptor f = type.findFieldByName(name);
    if (f == null) {
      throw new BindingException("cannot bind " + sig + ": " + key + " '" + name + "': " + role + " "
          + type.getName() + " has no field " + name + " (fields: "
          + (type.getFields().isEmpty() ? "none" : names(type.getFields())) + ")");
    }
    return f;
  }

  private static BindingException wrongType(String sig, String key, FieldDescriptor f, String expected) {
    return new BindingException("cannot bind " + sig + ": " + key + " '" + f.getName() + "': "
        + f.getContainingType().getName() + "." + f.getName() + " is " + typeName(f) + " (expected: " + expected + ")");
  }

  private static boolean isStringMap(FieldDescriptor f) {
    return f.isMapField()
        && f.getMessageType().findFieldByNumber(1).getType() == FieldDescriptor.Type.STRING
        && f.getMessageType().findFieldByNumber(2).getType() == FieldDescriptor.Type.STRING;
  }

  private static String names(List<FieldDescriptor> fields) {
    return fields.stream().map(FieldDescriptor::getName).collect(Collectors.joining(", "));
  }

  /**
   * The method as a type checker would print it:
   * {@code acme.audit.v1.AuditLog/Append(AppendRequest{bytes payload, string source}) returns (AppendReply{int64 stored})}.
   */
  public static String signature(MethodDescriptor m) {
    String pkg = m.getFile().getPackage();
    return m.getService().getFullName() + "/" + m.getName()
        + "(" + (m.isClientStreaming() ? "stream " : "") + shape(m.getInputType(), pkg) + ") returns ("
        + (m.isServerStreaming() ? "stream " : "") + shape(m.getOutputType(), pkg) + ")";
  }

  private static String shape(Descriptor d, String pkg) {
    return typeName(d, pkg) + d.getFields().stream().map(f -> typeName(f) + " " + f.getName())
        .collect(Collectors.joining(", ", "{", "}"));
  }

  /** A message's simple name in the method's own package, its full name elsewhere. */
  private static String typeName(Descriptor d, String pkg) {
    return d.getFile().getPackage().equals(pkg) ? d.getName() : d.getFullName();
  }

  private static String typeName(FieldDescriptor f) {
    if (f.isMapField()) {
      return "map<" + typeName(f.getMessageType().findFieldByNumber(1)) + ", "
          + typeName(f.getMessageType().findFieldByNumber(2)) + ">";
    }
    String base = switch (f.getJavaType()) {
      case MESSAGE -> f.getMessageType().getName();
      case ENUM -> f.getEnumType().getName();
      default -> f.getType().name().toLowerCase(java.util.Locale.ROOT);
    };
    return f.isRepeated() ? "repeated " + base : base;
  }

  /** The bound method's descriptor. */
  public MethodDescriptor method() {
    return method;
  }

  /** The gRPC method to call: the foreign service's full method name, dynamic-message marshallers. */
  public io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod() {
    return grpcMethod;
  }

  /** The request's bytes field that carries the record. */
  public FieldDescriptor dataField() {
    return data;
  }

  /** The reply's integer field the count is read from; null for an empty reply (the count is the record's length). */
  public FieldDescriptor countField() {
    return count;
  }

  /** The request's string field for the record's key; null when none is mapped. */
  public FieldDescriptor keyField() {
    return key;
  }

  /** The request's {@code map<string,string>} field for the record's headers; null when none is mapped. */
  public FieldDescriptor headersField() {
    return headers;
  }

  /**
   * The request for one record. {@code key} and {@code headers} (either may be null) are set
   * only when the binding maps them; otherwise the foreign method has nowhere to put them and
   * they are left out.
   */
  public DynamicMessage request(ByteString record, String key, Map<String, String> headers) {
    Objects.requireNonNull(record, "record");
    DynamicMessage.Builder b = DynamicMessage.newBuilder(method.getInputType()).setField(data, record);
    if (this.key != null && key != null) {
      b.setField(this.key, key);
    }
    if (this.headers != null && headers != null) {
      Descriptor entry = this.headers.getMessageType();
      FieldDescriptor k = entry.findFieldByNumber(1);
      FieldDescriptor v = entry.findFieldByNumber(2);
      headers.forEach((name, value) -> b.addRepeatedField(this.headers,
          DynamicMessage.newBuilder(entry).setField(k, name).setField(v, value).build()));
    }
    return b.build();
  }

  /**
   * The count the reply reports for a record of {@code recordLength} bytes: the count field's
   * value, or {@code recordLength} for an empty reply.
   *
   * @throws SinkException ({@code INTERNAL}, not retryable) if the count is negative, beyond
   *     a {@code long}, or larger than the record: the field does not count accepted bytes
   */
  public long count(DynamicMessage reply, int recordLength) {
    if (count == null) {
      return recordLength;
    }
    Object raw = reply.getField(count);
    long n;
    boolean unsigned = count.getType() == FieldDescriptor.Type.UINT32 || count.getType() == FieldDescriptor.Type.UINT64
        || count.getType() == FieldDescriptor.Type.FIXED32 || count.getType() == FieldDescriptor.Type.FIXED64;
    if (raw instanceof Integer i) {
      n = unsigned ? Integer.toUnsignedLong(i) : i;
    } else {
      n = (Long) raw;
      if (unsigned && n < 0) {
        throw badCount(Long.toUnsignedString(n) + ", beyond the range of a long", recordLength);
      }
    }
    if (n < 0) {
      throw badCount(n + ", negative", recordLength);
    }
    if (n > recordLength) {
      throw badCount(n + ", more than the record's " + recordLength + " bytes", recordLength);
    }
    return n;
  }

  private SinkException badCount(String what, int recordLength) {
    return SinkException.from(Status.INTERNAL.withDescription(method.getFullName() + " replied "
        + count.getContainingType().getName() + "." + count.getName() + " = " + what
        + " (expected: 0 to " + recordLength + ", the bytes accepted; is " + count.getName()
        + " the right count_field?)").asRuntimeException());
  }

  /**
   * The inferred binding:
   * {@code acme.audit.v1.AuditLog/Append: data -> AppendRequest.payload (bytes), key -> AppendRequest.source, count <- AppendReply.stored (int64)}.
   */
  public String describe() {
    Descriptor in = method.getInputType();
    StringBuilder s = new StringBuilder(method.getService().getFullName()).append('/').append(method.getName())
        .append(": data -> ").append(in.getName()).append('.').append(data.getName()).append(" (bytes)");
    if (key != null) {
      s.append(", key -> ").append(in.getName()).append('.').append(key.getName());
    }
    if (headers != null) {
      s.append(", headers -> ").append(in.getName()).append('.').append(headers.getName());
    }
    if (count != null) {
      s.append(", count <- ").append(method.getOutputType().getName()).append('.').append(count.getName())
          .append(" (").append(typeName(count)).append(')');
    } else {
      s.append(", count <- the record's length (").append(typeName(method.getOutputType(), method.getFile().getPackage()))
          .append(" is empty)");
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}
