package dev.sinkgate.deploy;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.internal.KubernetesDeserializer;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Kubernetes YAML into the fabric8 object model, strictly. fabric8's classes keep any field
 * they do not know in {@code additionalProperties} instead of failing, so a misspelled
 * {@code readinesProbe:} would parse and be ignored by the API server's lenient clients too;
 * here every such field is an error that names its path.
 */
final class StrictModel {
  private static final ObjectMapper YAML = YAMLMapper.builder().build();
  private static final KubernetesDeserializer KINDS = new KubernetesDeserializer();

  private StrictModel() {}

  /** Every YAML document of {@code text} (named {@code source} in errors) as its fabric8 class. */
  static List<HasMetadata> parseAll(String source, String text) {
    List<HasMetadata> out = new ArrayList<>();
    int index = 0;
    for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(text).readAll()) {
      if (doc == null || doc.isNull() || doc.isMissingNode()) {
        index++;
        continue; // an empty document (a leading or trailing ---)
      }
      out.add(parse(source + " document " + index++, doc));
    }
    return out;
  }

  /** One document: mapped by its apiVersion and kind, then checked for fields the model does not know. */
  static HasMetadata parse(String where, JsonNode doc) {
    String apiVersion = doc.path("apiVersion").asString("");
    String kind = doc.path("kind").asString("");
    if (apiVersion.isEmpty() || kind.isEmpty()) {
      throw new AssertionError(where + ": no apiVersion or kind (expected: a Kubernetes object with both)");
    }
    Class<? extends KubernetesResource> type = KINDS.getRegisteredKind(apiVersion, kind);
    if (type == null || !HasMetadata.class.isAssignableFrom(type)) {
      throw new AssertionError(where + ": apiVersion '" + apiVersion + "' kind '" + kind
          + "' is not a Kubernetes object the fabric8 model knows (a typo, or a model module missing from deploy/pom.xml)");
    }
    HasMetadata object = (HasMetadata) YAML.treeToValue(doc, type);
    String name = where + " (" + kind + " " + object.getMetadata().getName() + ")";
    List<String> unknown = new ArrayList<>();
    unknownFields(object, "", unknown);
    if (!unknown.isEmpty()) {
      throw new AssertionError(name + ": unknown fields " + unknown
          + " (expected: only fields of " + apiVersion + " " + kind + "; a misspelling?)");
    }
    return object;
  }

  /** Adds to {@code out} the path of every field under {@code value} that landed in additionalProperties. */
  static void unknownFields(Object value, String path, List<String> out) {
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        unknownFields(list.get(i), path + "[" + i + "]", out);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "[" + k + "]", out));
      return;
    }
    if (value == null || !value.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        Object v = read(f, value);
        if (f.getName().equals("additionalProperties")) {
          if (v instanceof Map<?, ?> extra) {
            extra.keySet().forEach(k -> out.add(path.isEmpty() ? k.toString() : path + "." + k));
          }
          continue;
        }
        JsonProperty json = f.getAnnotation(JsonProperty.class);
        String name = json != null && !json.value().isEmpty() ? json.value() : f.getName();
        unknownFields(v, path.isEmpty() ? name : path + "." + name, out);
      }
    }
  }

  private static Object read(Field f, Object owner) {
    try {
      f.setAccessible(true);
      return f.get(owner);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + f + " of the fabric8 model", e);
    }
  }
}
