package dev.sinkgate.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import dev.sinkgate.client.MethodBinding;
import java.util.Map;

/**
 * The field names a {@link MethodBinding} resolved, for {@code sinkctl bind --output json}.
 *
 * <p>{@code MethodBinding} exposes its fields only through {@code describe()}, so they are
 * read back by asking the binding itself: the request it builds for a probe record names
 * the data, key and headers fields; the reply field it counts from is the one whose probe
 * value comes back. That keeps the binding rules in one place (the client library) instead
 * of inferring them a second time here, and never parses the human-readable text.
 *
 * @param data the request's bytes field
 * @param count the reply's integer field, or null when the reply is empty (the count is the record's length)
 * @param key the request's key field, or null when none is mapped
 * @param headers the request's headers field, or null when none is mapped
 */
record BoundFields(String data, String count, String key, String headers) {
  static BoundFields of(MethodBinding binding) {
    DynamicMessage request = binding.request(ByteString.copyFromUtf8("probe"), "probe", Map.of("probe", "probe"));
    String data = null;
    String key = null;
    String headers = null;
    for (FieldDescriptor f : request.getAllFields().keySet()) {
      if (f.isMapField()) {
        headers = f.getName();
      } else if (f.getType() == FieldDescriptor.Type.BYTES) {
        data = f.getName();
      } else {
        key = f.getName();
      }
    }
    return new BoundFields(data, countField(binding), key, headers);
  }

  /** Each singular integer field of the reply gets its own value; the count read back says which was used. */
  private static String countField(MethodBinding binding) {
    Descriptor reply = binding.method().getOutputType();
    if (reply.getFields().isEmpty()) {
      return null;
    }
    DynamicMessage.Builder b = DynamicMessage.newBuilder(reply);
    for (FieldDescriptor f : reply.getFields()) {
      if (!f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.INT) {
        b.setField(f, f.getIndex() + 1);
      } else if (!f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.LONG) {
        b.setField(f, (long) f.getIndex() + 1);
      }
    }
    long n = binding.count(b.build(), Integer.MAX_VALUE);
    return reply.getFields().get((int) n - 1).getName();
  }
}
