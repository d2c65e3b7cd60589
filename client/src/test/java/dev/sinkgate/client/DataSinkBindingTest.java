package dev.sinkgate.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link DataSinks#bind}: classes that never heard of sinkgate, bound by the shape of their write method. */
class DataSinkBindingTest {
  private static final String PREFIX = DataSinkBindingTest.class.getName() + "$";

  public static final class IntBucket {
    final List<String> items = new ArrayList<>();
    int result = -1; // -1: return the record's length

    public int write(byte[] data) {
      items.add(new String(data, UTF_8));
      return result == -1 ? data.length : result;
    }
  }

  public static final class LongBucket {
    final List<String> items = new ArrayList<>();
    long result = -1;

    public long write(byte[] data) {
      items.add(new String(data, UTF_8));
      return result == -1 ? data.length : result;
    }
  }

  public static final class VoidBucket {
    final List<String> items = new ArrayList<>();

    public void write(byte[] data) {
      items.add(new String(data, UTF_8));
    }
  }

  /** Records what it was given and tries to change it. */
  public static final class BufferBucket {
    final List<String> items = new ArrayList<>();
    final List<String> observations = new ArrayList<>();

    public int write(ByteBuffer data) {
      observations.add("readOnly=" + data.isReadOnly() + " hasArray=" + data.hasArray()
          + " position=" + data.position() + " limit=" + data.limit());
      try {
        data.put(0, (byte) 'X');
      } catch (ReadOnlyBufferException | IndexOutOfBoundsException e) {
        observations.add(e.getClass().getSimpleName());
      }
      byte[] copy = new byte[data.remaining()];
      data.get(copy);
      items.add(new String(copy, UTF_8));
      return copy.length;
    }
  }

  /** Not accessible to other packages, with nothing public declaring its method. */
  private static final class PrivateBucket {
    final List<String> items = new ArrayList<>();

    public int write(byte[] data) {
      items.add(new String(data, UTF_8));
      return data.length;
    }
  }

  /** Has two accepted shapes and records which one was called. */
  public static final class BytesAndBuffer {
    final List<String> calls = new ArrayList<>();

    public int write(byte[] data) {
      calls.add("byte[]");
      return data.length;
    }

    public int write(ByteBuffer data) {
      calls.add("ByteBuffer");
      return data.remaining();
    }
  }

  public static final class VoidAndBuffer {
    final List<String> calls = new ArrayList<>();

    public void write(byte[] data) {
      calls.add("byte[]");
    }

    public int write(ByteBuffer data) {
      calls.add("ByteBuffer");
      return data.remaining();
    }
  }

  /** Its preferred shape is not public, so the next one binds. */
  public static final class HiddenBytesPublicBuffer {
    final List<String> calls = new ArrayList<>();

    int write(byte[] data) {
      calls.add("byte[]");
      return data.length;
    }

    public int write(ByteBuffer data) {
      calls.add("ByteBuffer");
      return data.remaining();
    }
  }

  /** Four write methods, none of an accepted shape. */
  public static final class NotASink {
    int write(byte[] data) {
      return data.length;
    }

    public static int write(ByteBuffer data) {
      return data.remaining();
    }

    public void write(String text) {}

    public void write(byte[] data, int offset) {}
  }

  public static final class WrongReturns {
    public String write(byte[] data) {
      return "ok";
    }

    public long write(ByteBuffer data) {
      return data.remaining();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void bind_intShape_returnsTheTargetsCountAndPassesTheRecord() {
    IntBucket bucket = new IntBucket();
    DataSink sink = DataSinks.bind(bucket);

    assertEquals(5, sink.write(bytes("hello")));
    assertEquals(0, sink.write(new byte[0]));

    assertEquals(List.of("hello", ""), bucket.items);
    assertEquals("DataSinks.bind(" + PREFIX + "IntBucket::write(byte[]) -> int)", sink.toString());
  }

  @Test
  void bind_intShape_passesOnACountOtherThanTheLengthForTheCallerToReport() {
    IntBucket bucket = new IntBucket();
    bucket.result = 1;
    assertEquals(1, DataSinks.bind(bucket).write(bytes("abc")));
  }

  @Test
  void bind_longShape_returnsTheCountAsAnInt() {
    LongBucket bucket = new LongBucket();
    DataSink sink = DataSinks.bind(bucket);

    assertEquals(3, sink.write(bytes("abc")));

    assertEquals(List.of("abc"), bucket.items);
    assertEquals("DataSinks.bind(" + PREFIX + "LongBucket::write(byte[]) -> long)", sink.toString());
  }

  @Test
  void bind_longShape_resultOutsideIntRangeIsAContractViolation() {
    LongBucket bucket = new LongBucket();
    bucket.result = (1L << 32) + 3; // would read as 3 if narrowed blindly
    DataSink sink = DataSinks.bind(bucket);

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> sink.write(bytes("abc")));

    assertEquals(sink + " returned 4294967299 for a record of 3 bytes, outside the int range of"
        + " DataSink.write (expected: 3)", e.getMessage());
  }

  @Test
  void bind_voidShape_countsTheWholeArray() {
    VoidBucket bucket = new VoidBucket();
    DataSink sink = DataSinks.bind(bucket);

    assertEquals(7, sink.write(bytes("seven!!")));
    assertEquals(0, sink.write(new byte[0]));

    assertEquals(List.of("seven!!", ""), bucket.items);
    assertEquals("DataSinks.bind(" + PREFIX + "VoidBucket::write(byte[]) -> void)", sink.toString());
  }

  @Test
  void bind_bufferShape_passesAReadOnlyWrapThatCannotChangeTheCallersArray() {
    BufferBucket bucket = new BufferBucket();
    DataSink sink = DataSinks.bind(bucket);
    byte[] record = bytes("abcd");

    assertEquals(4, sink.write(record));

    assertEquals(List.of("abcd"), bucket.items);
    assertEquals(List.of("readOnly=true hasArray=false position=0 limit=4", "ReadOnlyBufferException"),
        bucket.observations);
    assertArrayEquals(bytes("abcd"), record);
    assertEquals("DataSinks.bind(" + PREFIX + "BufferBucket::write(ByteBuffer) -> int)", sink.toString());
  }

  @Test
  void bind_publicMethodOfAPrivateClass_bindsWhereReflectionIsAllowed() {
    PrivateBucket bucket = new PrivateBucket();
    DataSink sink = DataSinks.bind(bucket);

    assertEquals(2, sink.write(bytes("ok")));

    assertEquals(List.of("ok"), bucket.items);
    assertEquals("DataSinks.bind(" + PREFIX + "PrivateBucket::write(byte[]) -> int)", sink.toString());
  }

  @Test
  void bind_jdkInternalClass_bindsThroughThePublicInterfaceThatDeclaresWrite() {
    // Channels$WritableByteChannelImpl is private to java.base, which is not open to us:
    // only WritableByteChannel.write(ByteBuffer) can reach its method.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WritableByteChannel channel = Channels.newChannel(out);
    DataSink sink = DataSinks.bind(channel);

    assertEquals(5, sink.write(bytes("bytes")));
    sink.close();

    assertEquals("bytes", out.toString(UTF_8));
    assertFalse(channel.isOpen());
    assertEquals("DataSinks.bind(java.nio.channels.Channels$WritableByteChannelImpl::write(ByteBuffer) -> int)",
        sink.toString());
  }

  @Test
  void bind_lambda_bindsThroughItsFunctionalInterface() {
    List<String> items = new ArrayList<>();
    DataSink lambda = data -> {
      items.add(new String(data, UTF_8));
      return data.length;
    };
    DataSink sink = DataSinks.bind(lambda);

    assertEquals(3, sink.write(bytes("abc")));

    assertEquals(List.of("abc"), items);
    assertTrue(sink.toString().startsWith("DataSinks.bind(" + DataSinkBindingTest.class.getName() + "$$Lambda"),
        sink.toString());
    assertTrue(sink.toString().endsWith("::write(byte[]) -> int)"), sink.toString());
  }

  @Test
  void bind_anyOutputStream_bindsItsVoidWriteOfTheWholeArray() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataSink sink = DataSinks.bind(out);

    assertEquals(3, sink.write(bytes("abc")));

    assertEquals("abc", out.toString(UTF_8));
    assertEquals("DataSinks.bind(java.io.ByteArrayOutputStream::write(byte[]) -> void)", sink.toString());
  }

  @Test
  void bind_severalShapes_prefersByteArrayOverByteBuffer() {
    BytesAndBuffer both = new BytesAndBuffer();
    DataSink sink = DataSinks.bind(both);
    sink.write(bytes("x"));
    assertEquals(List.of("byte[]"), both.calls);
    assertEquals("DataSinks.bind(" + PREFIX + "BytesAndBuffer::write(byte[]) -> int)", sink.toString());

    VoidAndBuffer voidFirst = new VoidAndBuffer();
    DataSinks.bind(voidFirst).write(bytes("x"));
    assertEquals(List.of("byte[]"), voidFirst.calls);
  }

  @Test
  void bind_nonPublicPreferredShape_bindsTheNextPublicOne() {
    HiddenBytesPublicBuffer target = new HiddenBytesPublicBuffer();
    DataSink sink = DataSinks.bind(target);

    assertEquals(1, sink.write(bytes("x")));

    assertEquals(List.of("ByteBuffer"), target.calls);
    assertEquals("DataSinks.bind(" + PREFIX + "HiddenBytesPublicBuffer::write(ByteBuffer) -> int)",
        sink.toString());
  }

  @Test
  void bind_classWithoutAnAcceptedShape_failsAtBindTimeNamingClassShapesAndMethodsFound() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DataSinks.bind(new NotASink()));

    String type = PREFIX + "NotASink";
    assertEquals("DataSinks.bind: " + type + " has no public instance method write of an accepted shape"
        + " (expected one of, in order of preference: write(byte[]) -> int, write(byte[]) -> long,"
        + " write(byte[]) -> void, write(ByteBuffer) -> int); found: "
        + "int " + type + ".write(byte[]) (not public); "
        + "public static int " + type + ".write(java.nio.ByteBuffer) (static); "
        + "public void " + type + ".write(byte[],int) (2 parameters (expected: 1)); "
        + "public void " + type + ".write(java.lang.String) (parameter java.lang.String"
        + " (expected: byte[] or java.nio.ByteBuffer))",
        e.getMessage());
  }

  @Test
  void bind_wrongReturnTypes_sayWhichReturnTypesWouldFit() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DataSinks.bind(new WrongReturns()));

    String type = PREFIX + "WrongReturns";
    assertTrue(e.getMessage().contains("public java.lang.String " + type
        + ".write(byte[]) (returns java.lang.String (expected: int, long, void))"), e.getMessage());
    assertTrue(e.getMessage().contains("public long " + type
        + ".write(java.nio.ByteBuffer) (returns long (expected: int))"), e.getMessage());
  }

  @Test
  void bind_objectWithNoWriteMethod_saysNoneWasFound() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSinks.bind(new Object()));
    assertTrue(e.getMessage().startsWith("DataSinks.bind: java.lang.Object has no public instance method write"),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("; found: no method named write"), e.getMessage());
  }

  @Test
  void bind_nullTarget_isRejected() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> DataSinks.bind(null));
    assertEquals("target", e.getMessage());
  }
}
