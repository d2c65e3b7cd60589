package dev.sinkgate.server.config;

/**
 * The configuration is wrong. The message names the file, the line and column, the key,
 * what was found and what was expected; the gateway prints it and exits with code 2.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
