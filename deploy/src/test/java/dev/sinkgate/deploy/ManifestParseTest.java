package dev.sinkgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every manifest under deploy/k8s parses into the fabric8 model with no field it does not
 * know, both as written and as rendered by kustomize. The files of deploy/k8s are of three
 * kinds, told apart by place: {@code kustomization.yaml} (checked by rendering), sinkgate
 * configs under a {@code config/} directory (checked by the gateway's config loader in
 * {@link OverlayDriftTest}), and Kubernetes objects (everything else).
 */
class ManifestParseTest {
  static final List<String> OVERLAYS = List.of("sidecar", "gateway");

  @Test
  void everyManifestFile_parsesStrictly() throws IOException {
    List<Path> manifests = files().stream().filter(ManifestParseTest::isManifest).toList();
    assertTrue(manifests.size() >= 8, "expected the manifests of deploy/k8s, found " + manifests);
    for (Path file : manifests) {
      List<HasMetadata> objects = StrictModel.parseAll(Repo.root().relativize(file).toString(),
          Files.readString(file, StandardCharsets.UTF_8));
      assertFalse(objects.isEmpty(), file + ": no Kubernetes object in it");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sidecar", "gateway"})
  void renderedOverlay_parsesStrictly(String overlay) throws Exception {
    List<HasMetadata> objects = StrictModel.parseAll("overlays/" + overlay + " rendered",
        Kustomize.render(Repo.k8s().resolve("overlays").resolve(overlay)));
    assertTrue(objects.stream().anyMatch(o -> o.getKind().equals("ConfigMap")), overlay + " renders no ConfigMap");
    // The example app stands for the user's own Deployment; what sinkgate brings is labelled.
    for (HasMetadata o : objects.stream().filter(o -> o.getMetadata().getName().startsWith("sinkgate")).toList()) {
      assertEquals("sinkgate", o.getMetadata().getLabels().get("app.kubernetes.io/part-of"),
          o.getKind() + " " + o.getMetadata().getName() + " lacks the label app.kubernetes.io/part-of: sinkgate");
    }
  }

  @Test
  void everyKustomization_renders() throws Exception {
    List<Path> kustomizations = files().stream()
        .filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
        // A component renders only inside an overlay, which the overlays' rendering covers.
        .filter(f -> !f.startsWith(Repo.k8s().resolve("components")))
        .toList();
    assertEquals(3, kustomizations.size(), "base and two overlays, found " + kustomizations);
    for (Path k : kustomizations) {
      assertFalse(Kustomize.render(k.getParent()).isBlank(), k + " renders nothing");
    }
  }

  @Test
  void misspelledField_failsNamingItsPath() {
    String deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: typo }
        spec:
          selector: { matchLabels: { app: typo } }
          template:
            metadata: { labels: { app: typo } }
            spec:
              containers:
                - name: c
                  image: x
                  readinesProbe: { grpc: { port: 8086 } }
        """;
    AssertionError e = assertThrows(AssertionError.class, () -> StrictModel.parseAll("typo.yaml", deployment));
    assertTrue(e.getMessage().contains("spec.template.spec.containers[0].readinesProbe"), e.getMessage());

    AssertionError top = assertThrows(AssertionError.class,
        () -> StrictModel.parseAll("typo.yaml", deployment.replace("containers:", "contaners:")));
    assertTrue(top.getMessage().contains("spec.template.spec.contaners"), top.getMessage());
  }

  @Test
  void aMisspellingInTheRealSidecarPatch_fails() throws IOException {
    String patch = Files.readString(Repo.k8s().resolve("overlays/sidecar/sidecar-patch.yaml"), StandardCharsets.UTF_8);
    StrictModel.parseAll("sidecar-patch.yaml", patch);
    AssertionError e = assertThrows(AssertionError.class,
        () -> StrictModel.parseAll("sidecar-patch.yaml", patch.replace("readinessProbe:", "readinesProbe:")));
    assertTrue(e.getMessage().contains("spec.template.spec.initContainers[0].readinesProbe"), e.getMessage());
  }

  @Test
  void unknownKind_fails() {
    AssertionError e = assertThrows(AssertionError.class,
        () -> StrictModel.parseAll("kind.yaml", "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n"));
    assertTrue(e.getMessage().contains("Deploymnet"), e.getMessage());
  }

  @Test
  void theCorrectlySpelledField_parses() {
    String ok = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        + "    - {name: c, image: x, readinessProbe: {grpc: {port: 8086, service: liveness}}}\n";
    List<HasMetadata> objects = StrictModel.parseAll("ok.yaml", ok);
    assertEquals("Pod", objects.get(0).getKind());
  }

  static boolean isManifest(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".yaml") && !name.equals("kustomization.yaml")
        && !file.getParent().getFileName().toString().equals("config");
  }

  static List<Path> files() throws IOException {
    try (Stream<Path> s = Files.walk(Repo.k8s())) {
      List<Path> out = new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
      for (Path f : out) {
        assertTrue(f.getFileName().toString().endsWith(".yaml"), f + ": expected only .yaml files under deploy/k8s");
      }
      return out;
    }
  }
}
