package dev.sinkgate.cli;

import dev.sinkgate.client.MethodBinding;
import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sinkctl bind}: how a foreign method binds as a sink, or exactly why it does not. */
@Command(name = "bind",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Show how a foreign gRPC method binds as a sink, or why it does not.",
    description = {
        "Binds METHOD, a unary method of any gRPC service shaped like the contract (a bytes field in,"
            + " an integer count or an empty reply out), the way a remote route's 'method:' does:"
            + " with the types from the server's reflection service, or from --descriptor-set.",
        "Prints the binding (which field carries the record, key and headers, which one is the count)"
            + " and the method's request and reply; nothing is written.",
        "A method that does not fit exits 11 with the type checker's reason and the option that fixes"
            + " an ambiguity (data_field is --data-field, and so on)."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  sinkctl bind --target audit.internal:9000 --method acme.audit.v1.AuditLog/Append",
        "  sinkctl bind -t audit.internal:9000 -m acme.audit.v1.AuditLog/Append --key-field source -o json",
        "  sinkctl bind -m acme.blob.v1.BlobStore/Put --descriptor-set blob.pb   # no server needed"})
final class BindCommand implements Callable<Integer> {
  private final StdIo io;

  @Mixin
  private ConnectionOptions connection;

  @Mixin
  private BindingOptions binding;

  BindCommand(StdIo io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    binding.spec(); // a malformed option is a usage error before anything is dialled
    String target = connection.target(io);
    MethodBinding b;
    try (SinkClient client = connection.connect(io, RetryPolicy.defaults())) {
      b = binding.bind(client, target).binding();
    }
    String signature = MethodBinding.signature(b.method());
    String source = binding.descriptorSet == null ? "server reflection at " + target : binding.source();
    if (connection.output == OutputFormat.JSON) {
      io.out().println(Json.object().put("method", b.method().getService().getFullName() + "/" + b.method().getName())
          .put("data_field", name(b.dataField())).put("count_field", name(b.countField()))
          .put("key_field", name(b.keyField())).put("headers_field", name(b.headersField()))
          .put("signature", signature).put("types_from", source).put("binding", b.describe()));
    } else {
      io.out().println(b.describe());
      io.out().println("  method: " + signature);
      io.out().println("  types:  " + source);
    }
    return ExitCode.OK.code();
  }

  private static String name(com.google.protobuf.Descriptors.FieldDescriptor f) {
    return f == null ? null : f.getName();
  }
}
