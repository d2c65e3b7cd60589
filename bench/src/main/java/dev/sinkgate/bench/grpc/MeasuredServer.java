package dev.sinkgate.bench.grpc;

/**
 * A server a benchmark run goes through: where to reach it, its own count of the records
 * it accepted, and its process's CPU and memory. The gateway and the floor count through
 * their {@code /metrics}; an interop peer through the lines of its file.
 */
interface MeasuredServer {
  String name();

  /** {@code host:port} it serves gRPC on. */
  String address();

  /** Records it accepted so far on {@code route}, by its own count. */
  long accepted(String route);

  /** fdatasync calls so far on {@code route}; 0 where it does not say. */
  long fsyncs(String route);

  ProcStats stats();
}
