package dev.sinkgate.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * The few instructions of deploy/Dockerfile the tests read: stages, COPY, RUN, USER,
 * ENTRYPOINT and CMD (exec form), with line continuations joined and comments dropped.
 * Not a general Dockerfile parser: what it does not understand fails loudly.
 */
record DockerfileModel(List<Stage> stages) {
  /** One {@code COPY [--from=STAGE] [--chmod=...] SRC... DEST}. */
  record Copy(String from, List<String> sources, String destination) {}

  /** One {@code FROM IMAGE [AS NAME]} and what follows it. */
  record Stage(String image, String name, List<Copy> copies, List<String> runs, String user,
      List<String> entrypoint, List<String> cmd) {}

  static DockerfileModel read(Path file) throws IOException {
    List<Stage> stages = new ArrayList<>();
    Builder current = null;
    for (String line : instructions(Files.readString(file, StandardCharsets.UTF_8))) {
      String[] parts = line.split("\\s+", 2);
      String op = parts[0].toUpperCase();
      String rest = parts.length > 1 ? parts[1].trim() : "";
      if (op.equals("FROM")) {
        if (current != null) {
          stages.add(current.build());
        }
        String[] from = rest.split("\\s+");
        current = new Builder(from[0], from.length == 3 && from[1].equalsIgnoreCase("AS") ? from[2] : null);
        continue;
      }
      if (current == null) {
        throw new IllegalArgumentException(file + ": '" + line + "' before the first FROM");
      }
      switch (op) {
        case "COPY" -> current.copies.add(copy(file, rest));
        case "RUN" -> current.runs.add(rest);
        case "USER" -> current.user = rest;
        case "ENTRYPOINT" -> current.entrypoint = execForm(file, op, rest);
        case "CMD" -> current.cmd = execForm(file, op, rest);
        case "WORKDIR", "ENV", "LABEL", "EXPOSE", "ARG" -> { }
        default -> throw new IllegalArgumentException(file + ": instruction " + op
            + " is not one this test reads (expected: FROM, COPY, RUN, USER, ENTRYPOINT, CMD, WORKDIR, ENV, LABEL, EXPOSE, ARG)");
      }
    }
    if (current != null) {
      stages.add(current.build());
    }
    return new DockerfileModel(List.copyOf(stages));
  }

  Stage runtime() {
    return stages.get(stages.size() - 1);
  }

  /** The runtime stage's COPY whose destination is {@code path}, or whose destination directory holds it. */
  Copy copyProviding(String path) {
    for (Copy c : runtime().copies()) {
      String dest = c.destination();
      if (dest.equals(path) || dest.endsWith("/") && path.startsWith(dest)) {
        return c;
      }
    }
    return null;
  }

  /**
   * The words of a RUN's shell form that is one simple command: blanks split, single and
   * double quotes group (without escapes inside). Expansions, operators and redirections fail:
   * a test that runs the command must run what the build runs.
   */
  static List<String> shellWords(String command) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (char c : command.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        word = word == null ? new StringBuilder() : word;
      } else if (Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else if ("$`;&|<>\\".indexOf(c) >= 0) {
        throw new IllegalArgumentException("RUN " + command + ": '" + c
            + "' (expected: one simple command, words and quotes only)");
      } else {
        word = word == null ? new StringBuilder() : word;
        word.append(c);
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("RUN " + command + ": unterminated " + quote + " quote");
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }

  /** The words of the runtime stage's one RUN that runs {@code contextFile}, a file a COPY puts in the image. */
  List<String> runOf(String contextFile) {
    List<String> destinations = runtime().copies().stream()
        .filter(c -> c.from() == null && c.sources().equals(List.of(contextFile))).map(Copy::destination).toList();
    if (destinations.size() != 1) {
      throw new AssertionError(contextFile + " is COPYed into the runtime stage " + destinations.size()
          + " times (expected: once) " + destinations);
    }
    List<List<String>> runs = runtime().runs().stream().map(DockerfileModel::shellWords)
        .filter(w -> !w.isEmpty() && w.get(0).equals(destinations.get(0))).toList();
    if (runs.size() != 1) {
      throw new AssertionError("the runtime stage runs " + destinations.get(0) + " (" + contextFile + ") "
          + runs.size() + " times (expected: one RUN)");
    }
    return runs.get(0);
  }

  private static List<String> instructions(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("#") || line.isEmpty() && pending.isEmpty()) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      pending.append(line);
      out.add(pending.toString().strip());
      pending.setLength(0);
    }
    return out;
  }

  private static Copy copy(Path file, String rest) {
    List<String> words = new ArrayList<>(List.of(rest.split("\\s+")));
    String from = null;
    while (!words.isEmpty() && words.get(0).startsWith("--")) {
      String flag = words.remove(0);
      if (flag.startsWith("--from=")) {
        from = flag.substring("--from=".length());
      }
    }
    if (words.size() < 2 || words.get(0).startsWith("[")) {
      throw new IllegalArgumentException(file + ": COPY " + rest + " (expected: the shell form, COPY SRC... DEST)");
    }
    return new Copy(from, List.copyOf(words.subList(0, words.size() - 1)), words.get(words.size() - 1));
  }

  private static List<String> execForm(Path file, String op, String rest) {
    if (!rest.startsWith("[")) {
      throw new IllegalArgumentException(file + ": " + op + " " + rest
          + " (expected: the exec form, a JSON array, so that signals reach the JVM)");
    }
    return List.of(JsonMapper.builder().build().readValue(rest, String[].class));
  }

  private static final class Builder {
    final String image;
    final String name;
    final List<Copy> copies = new ArrayList<>();
    final List<String> runs = new ArrayList<>();
    String user;
    List<String> entrypoint;
    List<String> cmd;

    Builder(String image, String name) {
      this.image = image;
      this.name = name;
    }

    Stage build() {
      return new Stage(image, name, List.copyOf(copies), List.copyOf(runs), user, entrypoint, cmd);
    }
  }
}
