package dev.sinkgate.client;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The {@code write} methods {@link DataSinks#bind} accepts, in its order of preference:
 * byte-array shapes first, since they take the record as it is, and among them the
 * contract's own {@code int} first.
 */
enum WriteShape {
  BYTES_TO_INT(byte[].class, int.class) {
    @Override
    long invoke(MethodHandle write, byte[] data) throws Throwable {
      return (int) write.invokeExact(data);
    }
  },
  BYTES_TO_LONG(byte[].class, long.class) {
    @Override
    long invoke(MethodHandle write, byte[] data) throws Throwable {
      return (long) write.invokeExact(data);
    }
  },
  /** Returns nothing, so a call that returns normally accepted the whole record. */
  BYTES_TO_VOID(byte[].class, void.class) {
    @Override
    long invoke(MethodHandle write, byte[] data) throws Throwable {
      write.invokeExact(data);
      return data.length;
    }
  },
  BUFFER_TO_INT(ByteBuffer.class, int.class) {
    /**
     * Passes a read-only wrap of {@code data} (position 0, limit {@code data.length}), not
     * a copy: the target can read the record but neither change it nor reach the array
     * ({@code array()} throws).
     */
    @Override
    long invoke(MethodHandle write, byte[] data) throws Throwable {
      return (int) write.invokeExact(ByteBuffer.wrap(data).asReadOnlyBuffer());
    }
  };

  final Class<?> parameterType;
  final Class<?> returnType;

  WriteShape(Class<?> parameterType, Class<?> returnType) {
    this.parameterType = parameterType;
    this.returnType = returnType;
  }

  /**
   * Calls {@code write}, a handle already bound to its target and of exactly
   * {@link #methodType()}, and returns the number of bytes it reports.
   */
  abstract long invoke(MethodHandle write, byte[] data) throws Throwable;

  /** The type of a {@code write} handle bound to its target. */
  MethodType methodType() {
    return MethodType.methodType(returnType, parameterType);
  }

  boolean matches(Method method) {
    return method.getName().equals("write")
        && method.getParameterCount() == 1
        && method.getParameterTypes()[0] == parameterType
        && method.getReturnType() == returnType;
  }

  /** {@code write(byte[]) -> long}. */
  String description() {
    return "write(" + parameterType.getSimpleName() + ") -> " + returnType.getSimpleName();
  }

  /** Every shape's description, in order of preference. */
  static String describeAll() {
    return Arrays.stream(values()).map(WriteShape::description).collect(Collectors.joining(", "));
  }
}
