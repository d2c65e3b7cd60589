package dev.sinkgate.client;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which foreign method to bind as a sink, and how its fields map: the config keys
 * {@code method}, {@code data_field}, {@code count_field}, {@code key_field},
 * {@code headers_field} and {@code descriptor_set} of a remote route, as a value.
 *
 * <pre>{@code
 * BindingSpec spec = BindingSpec.method("acme.audit.v1.AuditLog/Append")
 *     .keyField("source").headersField("labels");
 * }</pre>
 *
 * <p>Every field name is optional ({@code null}): data and count fields are inferred when
 * the message has exactly one candidate; key and headers are carried only when named.
 * Without a descriptor set the method's types come from the server's reflection service.
 * Immutable; the {@code with}-style methods return a copy.
 *
 * @param service the service's full name, e.g. {@code acme.audit.v1.AuditLog}
 * @param method the method's simple name, e.g. {@code Append}
 */
public record BindingSpec(String service, String method, String dataField, String countField,
    String keyField, String headersField, Path descriptorSet) {

  public BindingSpec {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(method, "method");
    dataField = fieldName("data_field", dataField);
    countField = fieldName("count_field", countField);
    keyField = fieldName("key_field", keyField);
    headersField = fieldName("headers_field", headersField);
  }

  /**
   * A spec for {@code package.Service/Method} (a leading {@code /}, as in a gRPC path, is
   * accepted), with every field inferred or unmapped.
   *
   * @throws IllegalArgumentException if {@code fullMethod} is not of that form
   */
  public static BindingSpec method(String fullMethod) {
    Objects.requireNonNull(fullMethod, "method");
    String m = fullMethod.startsWith("/") ? fullMethod.substring(1) : fullMethod;
    int slash = m.indexOf('/');
    if (slash <= 0 || slash == m.length() - 1 || m.indexOf('/', slash + 1) >= 0
        || !m.substring(0, slash).matches("[A-Za-z_][\\w.]*") || !m.substring(slash + 1).matches("[A-Za-z_]\\w*")) {
      throw new IllegalArgumentException("method: '" + fullMethod
          + "' (expected: package.Service/Method, e.g. acme.audit.v1.AuditLog/Append)");
    }
    return new BindingSpec(m.substring(0, slash), m.substring(slash + 1), null, null, null, null, null);
  }

  private static String fieldName(String key, String name) {
    if (name != null && !name.matches("[A-Za-z_]\\w*")) {
      throw new IllegalArgumentException(key + ": '" + name + "' (expected: a field name such as payload)");
    }
    return name;
  }

  /** {@code package.Service/Method}. */
  public String fullMethodName() {
    return service + "/" + method;
  }

  public BindingSpec dataField(String name) {
    return new BindingSpec(service, method, name, countField, keyField, headersField, descriptorSet);
  }

  public BindingSpec countField(String name) {
    return new BindingSpec(service, method, dataField, name, keyField, headersField, descriptorSet);
  }

  public BindingSpec keyField(String name) {
    return new BindingSpec(service, method, dataField, countField, name, headersField, descriptorSet);
  }

  public BindingSpec headersField(String name) {
    return new BindingSpec(service, method, dataField, countField, keyField, name, descriptorSet);
  }

  /** Takes the method's types from this {@code FileDescriptorSet} file instead of server reflection. */
  public BindingSpec descriptorSet(Path file) {
    return new BindingSpec(service, method, dataField, countField, keyField, headersField, file);
  }
}
