package dev.sinkgate.cli;

import dev.sinkgate.client.BindingException;
import dev.sinkgate.client.BindingSpec;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.client.WireSink;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options that bind a foreign gRPC method as a sink ({@code sinkctl bind},
 * {@code sinkctl write --method}): the config keys {@code method}, {@code data_field},
 * {@code count_field}, {@code key_field}, {@code headers_field} and {@code descriptor_set}
 * of a remote route, as flags.
 */
final class BindingOptions {
  @Option(names = {"-m", "--method"}, paramLabel = "METHOD",
      description = "A foreign unary method shaped like the contract (bytes in, a count out):"
          + " package.Service/Method.")
  String method;

  @Option(names = "--descriptor-set", paramLabel = "FILE",
      description = "Take the method's types from this FileDescriptorSet (protoc --include_imports"
          + " --descriptor_set_out=FILE) instead of the server's reflection service.")
  Path descriptorSet;

  @Option(names = "--data-field", paramLabel = "FIELD",
      description = "The request's bytes field that carries the record (data_field); needed only when it has several.")
  String dataField;

  @Option(names = "--count-field", paramLabel = "FIELD",
      description = "The reply's integer field that holds the count (count_field); needed only when it has several.")
  String countField;

  @Option(names = "--key-field", paramLabel = "FIELD",
      description = "The request's string field that carries the record's key (key_field).")
  String keyField;

  @Option(names = "--headers-field", paramLabel = "FIELD",
      description = "The request's map<string, string> field that carries the record's headers (headers_field).")
  String headersField;

  /** The spec the options name; a malformed method or field name is a usage error (nothing was sent). */
  BindingSpec spec() {
    if (method == null) {
      throw new CommandFailure(ExitCode.USAGE, "missing --method (expected: package.Service/Method,"
          + " e.g. acme.audit.v1.AuditLog/Append)");
    }
    try {
      return BindingSpec.method(method).dataField(dataField).countField(countField).keyField(keyField)
          .headersField(headersField).descriptorSet(descriptorSet);
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(ExitCode.USAGE, "--" + e.getMessage().replaceFirst("_", "-"), e);
    }
  }

  /**
   * Binds {@link #spec()} on {@code client}: a misfit exits {@link ExitCode#NOT_BINDABLE} with
   * the binder's type-checker message; a server that cannot be asked exits with its status's code.
   */
  WireSink bind(SinkClient client, String target) {
    BindingSpec spec = spec();
    try {
      return client.bindMethod(spec);
    } catch (BindingException e) {
      throw new CommandFailure(ExitCode.NOT_BINDABLE, e.getMessage(), e);
    } catch (SinkException e) {
      throw CommandFailure.of("bind " + spec.fullMethodName() + " at " + target + " (" + source() + ")", e);
    }
  }

  /** Where the method's types come from, for messages. */
  String source() {
    return descriptorSet == null ? "server reflection" : "descriptor set " + descriptorSet;
  }
}
