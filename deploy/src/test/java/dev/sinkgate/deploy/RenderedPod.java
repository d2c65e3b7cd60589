package dev.sinkgate.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The pod an overlay runs, as {@code kubectl kustomize} renders it: its workload's pod spec,
 * the sinkgate container in it (a native sidecar in initContainers, or a plain container),
 * and the other objects of the overlay.
 */
record RenderedPod(String overlay, List<HasMetadata> objects, PodSpec spec, Container sinkgate) {
  static RenderedPod render(String overlay) throws Exception {
    List<HasMetadata> objects = StrictModel.parseAll("overlays/" + overlay + " rendered",
        Kustomize.render(Repo.k8s().resolve("overlays").resolve(overlay)));
    List<PodSpec> pods = objects.stream().flatMap(o -> {
      if (o instanceof Deployment d) {
        return Stream.of(d.getSpec().getTemplate().getSpec());
      }
      if (o instanceof StatefulSet s) {
        return Stream.of(s.getSpec().getTemplate().getSpec());
      }
      return Stream.empty();
    }).toList();
    if (pods.size() != 1) {
      throw new AssertionError("overlays/" + overlay + ": expected one workload (Deployment or StatefulSet), found "
          + pods.size());
    }
    PodSpec spec = pods.get(0);
    List<Container> sinkgate = Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
        .filter(c -> c.getName().equals("sinkgate")).toList();
    if (sinkgate.size() != 1) {
      throw new AssertionError("overlays/" + overlay + ": expected one container named sinkgate, found " + sinkgate.size());
    }
    return new RenderedPod(overlay, objects, spec, sinkgate.get(0));
  }

  /** True when sinkgate runs as a native sidecar: an init container that keeps running. */
  boolean nativeSidecar() {
    return spec.getInitContainers().contains(sinkgate) && "Always".equals(sinkgate.getRestartPolicy());
  }

  /** Every container of the pod other than sinkgate. */
  List<Container> others() {
    return Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
        .filter(c -> c != sinkgate).toList();
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The data of the ConfigMap that pod volume {@code v} mounts. */
  Map<String, String> configMapData(Volume v) {
    String name = v.getConfigMap().getName();
    return all(ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("overlays/" + overlay + ": volume " + v.getName()
            + " mounts ConfigMap " + name + ", which the overlay does not render"))
        .getData();
  }

  /** The container port of sinkgate named {@code name}. */
  int port(String name) {
    return sinkgate.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElseThrow(() -> new AssertionError("overlays/" + overlay + ": sinkgate has no port named "
            + name + " (ports: " + sinkgate.getPorts() + ")"));
  }
}
