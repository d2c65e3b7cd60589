package dev.sinkgate.client;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds a target's {@code write} method once and resolves it to a {@link MethodHandle},
 * for {@link DataSinks#bind}; see its Javadoc for the contract.
 */
final class WriteMethodBinder {
  /**
   * The least privileged lookup: public members of public types in exported packages,
   * which any code may call. The first path in {@link #resolve} needs nothing more.
   */
  private static final MethodHandles.Lookup PUBLIC = MethodHandles.publicLookup();

  private WriteMethodBinder() {}

  static DataSink bind(Object target) {
    Objects.requireNonNull(target, "target");
    Class<?> type = target.getClass();
    String inaccessible = null;
    for (WriteShape shape : WriteShape.values()) {
      Method method = publicInstanceMethod(type, shape);
      if (method == null) {
        continue;
      }
      MethodHandle write = resolve(type, method, shape);
      if (write == null) {
        // Keep to the order of preference, but a shape sinkgate cannot call is no choice.
        inaccessible = inaccessible != null ? inaccessible : describeInaccessible(type, method, shape);
        continue;
      }
      return new BoundDataSink(target, shape, write.bindTo(target).asType(shape.methodType()));
    }
    throw new IllegalArgumentException(inaccessible != null ? inaccessible : describeNoMatch(type));
  }

  private static Method publicInstanceMethod(Class<?> type, WriteShape shape) {
    for (Method m : type.getMethods()) {
      if (shape.matches(m) && !Modifier.isStatic(m.getModifiers())) {
        return m;
      }
    }
    return null;
  }

  /**
   * A handle for {@code method}, or null if sinkgate may not call it. A public method can
   * live in a class that is not itself accessible: a private nested class, a lambda's
   * hidden class, a JDK-internal implementation. The method is still reachable through a
   * public type that declares or inherits it (the class itself, a superclass, an
   * interface), and a handle found there dispatches virtually to the target's own method,
   * so that is tried first and needs no special access. Only if no public type has it do
   * we fall back to {@code trySetAccessible}: it succeeds only where the module system
   * already allows deep reflection (code on the class path, or a package opened to
   * sinkgate), never widens access for anyone else (it sets the flag on our own copy of
   * the {@link Method}), and the method it opens is one the class declared public.
   */
  private static MethodHandle resolve(Class<?> type, Method method, WriteShape shape) {
    for (Class<?> c : typeAndSupertypes(type)) {
      try {
        return PUBLIC.findVirtual(c, "write", shape.methodType()).asFixedArity();
      } catch (NoSuchMethodException | IllegalAccessException notHere) {
        // Try the next supertype.
      }
    }
    if (method.trySetAccessible()) {
      try {
        return PUBLIC.unreflect(method).asFixedArity();
      } catch (IllegalAccessException e) {
        return null;
      }
    }
    return null;
  }

  /** The class, its superclasses, then every interface they implement, most specific first. */
  private static List<Class<?>> typeAndSupertypes(Class<?> type) {
    Set<Class<?>> result = new LinkedHashSet<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      result.add(c);
    }
    Deque<Class<?>> pending = new ArrayDeque<>(result);
    while (!pending.isEmpty()) {
      for (Class<?> i : pending.poll().getInterfaces()) {
        if (result.add(i)) {
          pending.add(i);
        }
      }
    }
    return new ArrayList<>(result);
  }

  private static String describeInaccessible(Class<?> type, Method method, WriteShape shape) {
    String message = "DataSinks.bind: " + method + " has the shape " + shape.description()
        + ", but sinkgate may not call it: " + type.getName() + " is not a public class in an"
        + " exported package, no public class or interface it extends declares the method, and "
        + type.getPackageName() + " is not open to sinkgate (expected: one of those";
    Module sinkgate = WriteMethodBinder.class.getModule();
    if (type.getModule().isNamed()) {
      message += "; to open it from the command line: --add-opens " + type.getModule().getName()
          + "/" + type.getPackageName() + "=" + (sinkgate.isNamed() ? sinkgate.getName() : "ALL-UNNAMED");
    }
    return message + ")";
  }

  private static String describeNoMatch(Class<?> type) {
    List<Method> found = writeMethods(type);
    String foundText = found.isEmpty()
        ? "no method named write"
        : found.stream().map(m -> m + " (" + whyNot(m) + ")").collect(Collectors.joining("; "));
    return "DataSinks.bind: " + type.getName() + " has no public instance method write of an"
        + " accepted shape (expected one of, in order of preference: " + WriteShape.describeAll()
        + "); found: " + foundText;
  }

  /**
   * Every method named {@code write} the class declares or inherits, whatever its access,
   * the most derived one for each parameter list, sorted so the message is stable.
   */
  private static List<Method> writeMethods(Class<?> type) {
    Map<List<Class<?>>, Method> byParameters = new LinkedHashMap<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        if (m.getName().equals("write") && !m.isSynthetic()) {
          byParameters.putIfAbsent(Arrays.asList(m.getParameterTypes()), m);
        }
      }
    }
    for (Method m : type.getMethods()) { // adds methods inherited from interfaces
      if (m.getName().equals("write") && !m.isSynthetic()) {
        byParameters.putIfAbsent(Arrays.asList(m.getParameterTypes()), m);
      }
    }
    List<Method> result = new ArrayList<>(byParameters.values());
    result.sort(Comparator.comparing(Method::toString));
    return result;
  }

  /** Why {@code m} does not bind, e.g. "not public, static". */
  private static String whyNot(Method m) {
    List<String> problems = new ArrayList<>();
    if (!Modifier.isPublic(m.getModifiers())) {
      problems.add("not public");
    }
    if (Modifier.isStatic(m.getModifiers())) {
      problems.add("static");
    }
    if (m.getParameterCount() != 1) {
      problems.add(m.getParameterCount() + " parameters (expected: 1)");
    } else {
      Class<?> parameter = m.getParameterTypes()[0];
      List<String> returns = Arrays.stream(WriteShape.values())
          .filter(s -> s.parameterType == parameter)
          .map(s -> s.returnType.getName())
          .collect(Collectors.toList());
      if (returns.isEmpty()) {
        problems.add("parameter " + parameter.getTypeName() + " (expected: byte[] or java.nio.ByteBuffer)");
      } else if (!returns.contains(m.getReturnType().getName())) {
        problems.add("returns " + m.getReturnType().getTypeName() + " (expected: "
            + String.join(", ", returns) + ")");
      }
    }
    return String.join(", ", problems);
  }
}
