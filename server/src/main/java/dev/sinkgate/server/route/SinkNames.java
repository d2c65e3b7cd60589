package dev.sinkgate.server.route;

import java.util.regex.Pattern;

/** The rule for sink (route) names, shared by the config and the request path. */
public final class SinkNames {
  private SinkNames() {}

  /** The route a request with an empty sink name goes to. */
  public static final String DEFAULT = "default";
  public static final String RULE =
      "1 to 64 characters of [A-Za-z0-9._-], starting with a letter or digit";
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  public static boolean isValid(String name) {
    return VALID.matcher(name).matches();
  }

  /** Returns {@code name} if valid, else throws with the rule. */
  public static String check(String name) {
    if (!isValid(name)) {
      throw new IllegalArgumentException("sink name '" + name + "' is invalid (expected: " + RULE + ")");
    }
    return name;
  }
}
