package dev.sinkgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodSandboxTest {
  @TempDir Path tmp;

  private final Container sinkgate = new ContainerBuilder().withName("sinkgate")
      .addNewVolumeMount().withName("socket").withMountPath("/var/run/sinkgate").endVolumeMount()
      .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
      .build();
  private final PodSpec spec = new PodSpecBuilder().withContainers(sinkgate)
      .addNewVolume().withName("socket").withNewEmptyDir().endEmptyDir().endVolume()
      .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
      .build();

  @Test
  void rewrite_mapsWholeMountPathsOnceEvenWhenTheSandboxLiesUnderAMountPath() throws Exception {
    // The sandbox is under /tmp, itself a mount path: a second pass would rewrite the rewritten paths.
    PodSandbox sandbox = new PodSandbox(new RenderedPod("test", List.of(), spec, sinkgate), tmp.resolve("p"));
    String out = sandbox.rewrite(sinkgate, "unix:///var/run/sinkgate/sink.sock /tmp/x /tmpfoo /var/run/sinkgatex");
    assertEquals("unix://" + tmp.resolve("p/socket") + "/sink.sock " + tmp.resolve("p/tmp") + "/x /tmpfoo"
        + " /var/run/sinkgatex", out);
  }

  @Test
  void rewrite_givesEachListenPortOneFreeLoopbackPort() throws Exception {
    PodSandbox sandbox = new PodSandbox(new RenderedPod("test", List.of(), spec, sinkgate), tmp.resolve("p"));
    String out = sandbox.rewrite(sinkgate, "health: 0.0.0.0:8086, again 0.0.0.0:8086, grpc 127.0.0.1:50051,"
        + " remote dns:///tier.ns.svc.cluster.local:50051");
    Matcher m = Pattern.compile("health: 127\\.0\\.0\\.1:(\\d+), again 127\\.0\\.0\\.1:(\\d+), grpc 127\\.0\\.0\\.1:(\\d+),"
        + " remote dns:///tier\\.ns\\.svc\\.cluster\\.local:50051").matcher(out);
    assertTrue(m.matches(), out);
    assertEquals(m.group(1), m.group(2));
    assertNotEquals(m.group(1), m.group(3));
    assertEquals(Integer.parseInt(m.group(1)), sandbox.port(8086));
    AssertionError e = assertThrows(AssertionError.class, () -> sandbox.port(9999));
    assertTrue(e.getMessage().contains("9999 is not a port the gateway is configured to listen on"), e.getMessage());
  }
}
