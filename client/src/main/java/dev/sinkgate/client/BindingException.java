package dev.sinkgate.client;

/**
 * A foreign method does not bind as a sink, or its types could not be found: thrown once,
 * when binding, never by a write. The message reads like a type checker's: the method's
 * actual shape, the rule it breaks, and the config key that would fix an ambiguity.
 *
 * <p>It extends {@link IllegalArgumentException} rather than {@link SinkException}: it says
 * the <em>configuration</em> (method name, field names, descriptor set) does not fit the
 * service, which no retry can change, whereas a {@code SinkException} reports how one call
 * ended, with a gRPC code and whether to retry. A server that cannot be reached while
 * binding is a {@code SinkException} (retryable), not a {@code BindingException}.
 */
public class BindingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public BindingException(String message) {
    super(message);
  }

  public BindingException(String message, Throwable cause) {
    super(message, cause);
  }
}
