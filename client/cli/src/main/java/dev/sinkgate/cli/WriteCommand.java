package dev.sinkgate.cli;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.client.StreamWriter.StreamFailedException;
import dev.sinkgate.client.WireSink;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sinkctl write}: one record, or with {@code --lines} one record per line over a stream. */
@Command(name = "write",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Write one record, or one record per line (--lines).",
    description = {
        "Writes one record: DATA as UTF-8 text, the bytes of FILE (-f), or the bytes of stdin (-).",
        "Prints the bytes written, the record's offset and the durability it reached.",
        "With --lines, every line of FILE or stdin is a record (without its '\\n'; nothing else is"
            + " removed), streamed in order over one WriteStream; prints a summary at the end and,"
            + " on a terminal, a progress line while it runs.",
        "With --method, the one record goes to a foreign unary method bound as a sink (see 'sinkctl bind'):"
            + " --key and -H need --key-field and --headers-field to say where they go; prints the count."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  sinkctl write 'hello'                                  # to sink 'default'",
        "  sinkctl write --sink audit --key user-7 -H origin=web 'user 7 logged in'",
        "  sinkctl write --sink images -f photo.jpg --output json",
        "  gzip -c report.csv | sinkctl write --sink archive -",
        "  sinkctl write --lines --sink events -f events.ndjson",
        "  tail -n +1 app.log | sinkctl write --lines --sink logs --target gateway:50051",
        "  sinkctl write -t audit.internal:9000 -m acme.audit.v1.AuditLog/Append --key-field source -k billing 'paid'"})
final class WriteCommand implements Callable<Integer> {
  /** The largest record sinkgate accepts anywhere (a route's max_record_bytes is at most this). */
  static final int MAX_RECORD_BYTES = 128 << 20;

  private final StdIo io;

  @Spec
  private CommandSpec spec;

  @Mixin
  private ConnectionOptions connection;

  @Mixin
  private BindingOptions binding;

  @Option(names = {"-s", "--sink"}, paramLabel = "SINK", defaultValue = "default",
      description = "The sink (route) to write to. Default: ${DEFAULT-VALUE}.")
  private String sink;

  @Option(names = {"-k", "--key"}, paramLabel = "KEY", description = "The record's key (partitioning and ordering).")
  private String key;

  @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE",
      description = "A header of the record; repeat for more.")
  private Map<String, String> headers = new LinkedHashMap<>();

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the record (or, with --lines, the lines) from FILE; - is stdin.")
  private Path file;

  @Option(names = "--lines", description = "One record per line of FILE or stdin, over one stream.")
  private boolean lines;

  @Option(names = "--window", paramLabel = "N", defaultValue = "1024",
      description = "With --lines: records in flight before waiting for acknowledgements. Default: ${DEFAULT-VALUE}.")
  private int window;

  @Option(names = "--no-progress", description = "With --lines: no progress line, even on a terminal.")
  private boolean noProgress;

  @Parameters(arity = "0..1", paramLabel = "DATA", description = "The record as UTF-8 text; - reads the record from stdin.")
  private String data;

  WriteCommand(StdIo io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    if (headers.containsKey("")) {
      throw usage("-H: a header needs a name (expected: NAME=VALUE)");
    }
    if (binding.method != null) {
      return writeMethod();
    }
    return lines ? writeLines() : writeOne();
  }

  /**
   * One record through a foreign method bound as a sink: one unary call. Key and headers go
   * to the fields the binding maps; given without a mapping they are a usage error rather
   * than dropped, and the check comes before anything is dialled.
   */
  private int writeMethod() {
    if (lines) {
      // --lines streams over WriteStream with a window and a resume point; a bound method
      // is unary, and one blocking call per line would only be a slower shell loop.
      throw usage("--lines: a bound --method is unary and has no stream (expected: one record per call,"
          + " e.g. while IFS= read -r line; do sinkctl write --method ... \"$line\"; done)");
    }
    if (spec.commandLine().getParseResult().hasMatchedOption("--sink")) {
      throw usage("--sink names a route of a sinkgate gateway; with --method the record goes to the method"
          + " itself (expected: --sink or --method, not both)");
    }
    if (key != null && binding.keyField == null) {
      throw usage("--key '" + key + "': the binding maps no key field (expected: --key-field FIELD, a string"
          + " field of the request to carry the key)");
    }
    if (!headers.isEmpty() && binding.headersField == null) {
      throw usage("-H " + headers.keySet().iterator().next() + "=...: the binding maps no headers field"
          + " (expected: --headers-field FIELD, a map<string, string> field of the request to carry headers)");
    }
    binding.spec(); // a malformed option is a usage error before anything is dialled
    ByteString record = ByteString.copyFrom(recordBytes());
    String target = connection.target(io);
    long written;
    String method;
    try (SinkClient client = connection.connect(io, RetryPolicy.defaults())) {
      WireSink sink = binding.bind(client, target);
      method = binding.spec().fullMethodName();
      try {
        written = sink.write(record, key, headers);
      } catch (SinkException e) {
        throw CommandFailure.of("write to " + method + " at " + target, e);
      }
    }
    if (connection.output == OutputFormat.JSON) {
      io.out().println(Json.object().put("method", method).put("written", written));
    } else {
      io.out().println("wrote " + written + " bytes to " + method + " at " + target);
    }
    return ExitCode.OK.code();
  }

  private int writeOne() {
    WriteRequest request = template().setData(ByteString.copyFrom(recordBytes())).build();
    String target = connection.target(io);
    WriteResponse r;
    try (SinkClient client = connection.connect(io, RetryPolicy.defaults())) {
      r = client.write(request);
    } catch (SinkException e) {
      throw CommandFailure.of("write to sink '" + sink + "' at " + target, e);
    }
    if (connection.output == OutputFormat.JSON) {
      io.out().println(Json.object().put("sink", sink).put("written", r.getWritten())
          .put("offset", r.getOffset()).put("durability", r.getDurability().name())
          .put("duplicate", r.getDuplicate()));
    } else {
      io.out().println("wrote " + r.getWritten() + " bytes to sink '" + sink + "': offset " + r.getOffset()
          + ", durability " + shortName(r.getDurability()) + (r.getDuplicate() ? " (duplicate: stored before)" : ""));
    }
    return ExitCode.OK.code();
  }

  private int writeLines() {
    if (data != null && !(data.equals("-") && file == null)) {
      throw usage("--lines takes its lines from -f FILE or stdin, not from DATA '" + data
          + "' (expected: --lines [-f FILE | -])");
    }
    if (window < 1) {
      throw usage("--window: " + window + " (expected: >= 1)");
    }
    String target = connection.target(io);
    Progress progress = Progress.on(io, !noProgress);
    LinesWriter writer = new LinesWriter(template().build(), window, progress, io.nanoTime());
    LinesWriter.Summary s;
    LineSplitter splitter = null;
    try (InputStream in = open(); SinkClient client = connection.connect(io, RetryPolicy.defaults())) {
      splitter = new LineSplitter(in, MAX_RECORD_BYTES);
      s = writer.write(client, splitter);
    } catch (StreamFailedException e) {
      throw new CommandFailure(ExitCode.of(e.code()), "write --lines to sink '" + sink + "' at " + target
          + " failed: " + CommandFailure.describe(streamCause(e)) + ". " + stored(e.acknowledged()), e);
    } catch (SinkException e) {
      throw CommandFailure.of("write --lines to sink '" + sink + "' at " + target, e);
    } catch (IOException e) {
      long read = splitter == null ? 0 : splitter.lineNumber();
      throw new CommandFailure(ExitCode.INPUT, "reading " + inputName() + " failed: " + message(e)
          + (read == 0 ? "" : " (the " + read + " lines before it were sent)"), e);
    }
    if (connection.output == OutputFormat.JSON) {
      io.out().println(Json.object().put("sink", sink).put("records", s.records()).put("bytes", s.bytes())
          .put("durability", s.durability().name()).put("seconds", Units.round(s.seconds(), 3))
          .put("records_per_second", Units.round(Units.rate(s.records(), s.seconds()), 1)));
    } else {
      io.out().println("wrote " + s.records() + " records (" + s.bytes() + " bytes) to sink '" + sink + "' in "
          + Units.seconds(s.nanos()) + " s (" + Units.perSecond(Units.rate(s.records(), s.seconds()))
          + " records/s), durability " + shortName(s.durability()));
    }
    return ExitCode.OK.code();
  }

  /** What ended the stream, without the writer's own (0-based) count of records that the message adds. */
  private static SinkException streamCause(StreamFailedException e) {
    return e.getCause() instanceof SinkException s ? s : e;
  }

  /** Which lines a failed stream stored, and where to resume. */
  static String stored(long acknowledged) {
    return (acknowledged == 0 ? "No line is stored" : acknowledged == 1 ? "Line 1 is stored"
        : "Lines 1-" + acknowledged + " are stored") + "; resend from line " + (acknowledged + 1) + ".";
  }

  private WriteRequest.Builder template() {
    WriteRequest.Builder b = WriteRequest.newBuilder().setSink(sink).putAllHeaders(headers);
    if (key != null) {
      b.setKey(key);
    }
    return b;
  }

  /** The one record's bytes, from exactly one of DATA, -f FILE and - (stdin). */
  private byte[] recordBytes() {
    boolean stdin = "-".equals(data);
    if (data != null && file != null) {
      throw usage("give the record once: DATA '" + data + "' and -f " + file
          + " both given (expected: DATA, -f FILE or - for stdin)");
    }
    if (data == null && file == null) {
      throw usage("no record given (expected: DATA, -f FILE or - for stdin; --lines for one record per line)");
    }
    if (data != null && !stdin) {
      return data.getBytes(StandardCharsets.UTF_8);
    }
    try (InputStream in = open()) {
      byte[] bytes = in.readNBytes(MAX_RECORD_BYTES + 1);
      if (bytes.length > MAX_RECORD_BYTES) {
        throw usage(inputName() + " holds more than " + MAX_RECORD_BYTES + " bytes (expected: one record of at most "
            + Units.bytes(MAX_RECORD_BYTES) + "; --lines sends one record per line)");
      }
      return bytes;
    } catch (IOException e) {
      throw new CommandFailure(ExitCode.INPUT, "reading " + inputName() + " failed: " + message(e), e);
    }
  }

  /** stdin (not closed by closing the result) or {@code -f FILE}. */
  private InputStream open() throws IOException {
    if (file == null || file.toString().equals("-")) {
      return new java.io.FilterInputStream(io.in()) {
        @Override
        public void close() {
          // stdin belongs to the process, not to this command
        }
      };
    }
    return Files.newInputStream(file);
  }

  private String inputName() {
    return file == null || file.toString().equals("-") ? "stdin" : file.toString();
  }

  private static String message(IOException e) {
    if (e instanceof NoSuchFileException n) {
      return "no such file " + n.getFile();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** {@code SYNCED} for {@code DURABILITY_SYNCED}: the JSON output keeps the full enum name. */
  static String shortName(Durability d) {
    return d.name().startsWith("DURABILITY_") ? d.name().substring("DURABILITY_".length()) : d.name();
  }
}
