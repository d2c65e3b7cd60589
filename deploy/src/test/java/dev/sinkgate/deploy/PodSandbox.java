package dev.sinkgate.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A rendered pod laid out on this machine: each volume is a directory under {@code root},
 * ConfigMap volumes hold the ConfigMap's files, and a container's paths and listen
 * addresses are rewritten to match — mount paths to the volume's directory, each TCP port
 * the pod listens on to a free loopback port (remembered, so probes can be checked
 * against it). Everything else is left exactly as the manifest says.
 */
final class PodSandbox {
  private static final Pattern LISTEN = Pattern.compile("\\b(?:0\\.0\\.0\\.0|127\\.0\\.0\\.1|localhost|\\[::\\]):(\\d{1,5})\\b");

  private final RenderedPod pod;
  private final Path root;
  private final Map<String, Path> volumes = new HashMap<>();
  private final Map<Integer, Integer> ports = new LinkedHashMap<>();

  PodSandbox(RenderedPod pod, Path root) throws IOException {
    this.pod = pod;
    this.root = root;
    for (Volume v : pod.spec().getVolumes()) {
      Path dir = volume(v.getName());
      if (v.getConfigMap() != null) {
        for (Map.Entry<String, String> file : pod.configMapData(v).entrySet()) {
          Files.writeString(dir.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
        }
      }
    }
  }

  /** The directory of volume {@code name} (a pod volume or a StatefulSet's claim template). */
  Path volume(String name) throws IOException {
    Path dir = volumes.get(name);
    if (dir == null) {
      dir = Files.createDirectories(root.resolve(name));
      volumes.put(name, dir);
    }
    return dir;
  }

  /** {@code text} as {@code container} would see it here: mount paths and listen addresses rewritten. */
  String rewrite(Container container, String text) throws IOException {
    return ports(paths(container, text));
  }

  /** The loopback port that stands for the pod's {@code port}; fails if the gateway was not told to listen on it. */
  int port(int podPort) {
    Integer p = ports.get(podPort);
    if (p == null) {
      throw new AssertionError("port " + podPort + " is not a port the gateway is configured to listen on"
          + " (it listens on " + ports.keySet() + ")");
    }
    return p;
  }

  private String paths(Container container, String text) throws IOException {
    List<VolumeMount> mounts = container.getVolumeMounts().stream()
        .sorted(Comparator.comparingInt((VolumeMount m) -> m.getMountPath().length()).reversed()).toList();
    if (mounts.isEmpty()) {
      return text;
    }
    Map<String, Path> byPath = new HashMap<>();
    for (VolumeMount m : mounts) {
      Path dir = volume(m.getName());
      byPath.put(m.getMountPath(), m.getSubPath() == null || m.getSubPath().isEmpty() ? dir : dir.resolve(m.getSubPath()));
    }
    // One pass, longest mount path first, whole path segments only: a rewritten path is never rewritten again.
    Pattern any = Pattern.compile(mounts.stream().map(m -> Pattern.quote(m.getMountPath()))
        .collect(Collectors.joining("|", "(", ")(?=/|\\b|$)")));
    Matcher m = any.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(byPath.get(m.group(1)).toString()));
    }
    m.appendTail(out);
    return out.toString();
  }

  private String ports(String text) throws IOException {
    Matcher m = LISTEN.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      int podPort = Integer.parseInt(m.group(1));
      Integer local = ports.get(podPort);
      if (local == null) {
        local = freePort();
        ports.put(podPort, local);
      }
      m.appendReplacement(out, "127.0.0.1:" + local);
    }
    m.appendTail(out);
    return out.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public String toString() {
    return "pod of overlays/" + pod.overlay() + " under " + root;
  }
}
