package dev.sinkgate.server.log;

import java.io.IOException;

/** A log file holds bytes that are not a valid record where one must be. Not retryable. */
public final class CorruptLogException extends IOException {
  private static final long serialVersionUID = 1L;

  public CorruptLogException(String message) {
    super(message);
  }
}
