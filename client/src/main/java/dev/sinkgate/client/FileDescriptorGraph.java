package dev.sinkgate.client;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds {@link FileDescriptor}s from {@link FileDescriptorProto}s — as a server's reflection
 * service or a {@code FileDescriptorSet} file gives them — in dependency order, and finds a
 * service among them. Shared by both descriptor sources so they agree on every rule.
 *
 * <p>Well-known types ({@code google/protobuf/*.proto}) not among the given files are taken
 * from the protobuf runtime's own descriptors, so a source may leave them out.
 */
final class FileDescriptorGraph {
  private static final Map<String, FileDescriptor> WELL_KNOWN = wellKnown();

  private final Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
  private final Map<String, FileDescriptor> built = new HashMap<>();
  private final String source;

  /** @param source where the files came from, for messages: "server at HOST:PORT", "descriptor set FILE" */
  FileDescriptorGraph(String source) {
    this.source = source;
  }

  private static Map<String, FileDescriptor> wellKnown() {
    Map<String, FileDescriptor> m = new HashMap<>();
    for (FileDescriptor f : List.of(com.google.protobuf.EmptyProto.getDescriptor(),
        com.google.protobuf.AnyProto.getDescriptor(), com.google.protobuf.TimestampProto.getDescriptor(),
        com.google.protobuf.DurationProto.getDescriptor(), com.google.protobuf.StructProto.getDescriptor(),
        com.google.protobuf.WrappersProto.getDescriptor(), com.google.protobuf.FieldMaskProto.getDescriptor(),
        com.google.protobuf.SourceContextProto.getDescriptor(), com.google.protobuf.TypeProto.getDescriptor(),
        com.google.protobuf.ApiProto.getDescriptor(), com.google.protobuf.DescriptorProtos.getDescriptor())) {
      m.put(f.getName(), f);
    }
    return Map.copyOf(m);
  }

  /** Adds a file; the first one given under a name wins (reflection may repeat a file). */
  void add(FileDescriptorProto file) {
    protos.putIfAbsent(file.getName(), file);
  }

  boolean has(String fileName) {
    return protos.containsKey(fileName);
  }

  /** Imports of the files added so far that are neither added nor well-known, in order. */
  List<String> missing() {
    Set<String> missing = new TreeSet<>();
    for (FileDescriptorProto p : protos.values()) {
      for (String dep : p.getDependencyList()) {
        if (!protos.containsKey(dep) && !WELL_KNOWN.containsKey(dep)) {
          missing.add(dep);
        }
      }
    }
    return new ArrayList<>(missing);
  }

  /**
   * The service named {@code fullName}, building the files as needed.
   *
   * @throws BindingException if no file declares it (listing the services that exist), an
   *     import is missing, or a file is invalid
   */
  ServiceDescriptor service(String fullName) {
    for (FileDescriptorProto p : protos.values()) {
      for (var s : p.getServiceList()) {
        String name = p.getPackage().isEmpty() ? s.getName() : p.getPackage() + "." + s.getName();
        if (name.equals(fullName)) {
          return build(p.getName(), new ArrayList<>()).findServiceByName(s.getName());
        }
      }
    }
    throw new BindingException(source + " has no service " + fullName + " (services: " + servicesOr("none") + ")");
  }

  /** The full names of every service the added files declare, comma-separated, or {@code none}. */
  String servicesOr(String none) {
    List<String> names = new ArrayList<>();
    for (FileDescriptorProto p : protos.values()) {
      p.getServiceList().forEach(s -> names.add(p.getPackage().isEmpty() ? s.getName() : p.getPackage() + "." + s.getName()));
    }
    return names.isEmpty() ? none : String.join(", ", names);
  }

  private FileDescriptor build(String name, List<String> path) {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto p = protos.get(name);
    if (p == null) {
      FileDescriptor wk = WELL_KNOWN.get(name);
      if (wk != null) {
        return wk;
      }
      throw new BindingException(source + ": " + path.get(path.size() - 1) + " imports " + name
          + ", which is not among its files (expected: every import; for a descriptor set,"
          + " protoc --include_imports)");
    }
    if (path.contains(name)) {
      throw new BindingException(source + ": import cycle " + String.join(" -> ", path) + " -> " + name);
    }
    path.add(name);
    List<FileDescriptor> deps = new ArrayList<>();
    for (String dep : p.getDependencyList()) {
      deps.add(build(dep, path));
    }
    path.remove(path.size() - 1);
    try {
      FileDescriptor f = FileDescriptor.buildFrom(p, deps.toArray(new FileDescriptor[0]));
      built.put(name, f);
      return f;
    } catch (DescriptorValidationException e) {
      FileDescriptor f = withUndeclaredImports(p, path);
      if (f == null) {
        throw new BindingException(source + ": " + name + " is not a valid proto file: " + e.getMessage(), e);
      }
      built.put(name, f);
      return f;
    }
  }

  /**
   * {@code p} built with the other given files as its imports, then with the well-known ones
   * too; null if neither works. Some reflection services list no imports at all, and name
   * files by package rather than by path ({@code @grpc/reflection} 1.0.4 answers
   * {@code acme_audit_v1.proto} with no dependencies, and sends the types it uses in
   * {@code google_protobuf.proto}), so a file's imports are only known to be among the files
   * the same answer gave.
   */
  private FileDescriptor withUndeclaredImports(FileDescriptorProto p, List<String> path) {
    Map<String, FileDescriptor> deps = new LinkedHashMap<>();
    path.add(p.getName());
    try {
      for (String dep : p.getDependencyList()) {
        deps.put(dep, build(dep, path));
      }
      for (String other : protos.keySet()) {
        if (!deps.containsKey(other) && !path.contains(other)) {
          try {
            deps.put(other, build(other, path));
          } catch (BindingException notUsable) {
            // A file that needs this one (or is broken) cannot be one of its imports.
          }
        }
      }
    } finally {
      path.remove(path.size() - 1);
    }
    FileDescriptor f = buildWith(p, deps);
    if (f == null) {
      Map<String, FileDescriptor> withWellKnown = new LinkedHashMap<>(deps);
      WELL_KNOWN.forEach(withWellKnown::putIfAbsent);
      f = buildWith(p, withWellKnown);
    }
    return f;
  }

  private static FileDescriptor buildWith(FileDescriptorProto p, Map<String, FileDescriptor> deps) {
    FileDescriptorProto widened = p.toBuilder().clearDependency().addAllDependency(deps.keySet()).build();
    try {
      return FileDescriptor.buildFrom(widened, deps.values().toArray(new FileDescriptor[0]));
    } catch (DescriptorValidationException | IllegalArgumentException e) {
      return null;
    }
  }
}
