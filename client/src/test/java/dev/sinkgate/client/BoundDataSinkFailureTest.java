package dev.sinkgate.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** {@link DataSinks#bind}: what a bound sink does when its target throws, and how it closes. */
class BoundDataSinkFailureTest {
  /** Throws whatever {@link #next} holds. */
  public static final class Throwing {
    Throwable next;

    public int write(byte[] data) throws Throwable {
      throw next;
    }
  }

  public static final class ClosableBucket implements Closeable {
    final List<String> items = new ArrayList<>();
    int closes;
    IOException closeFailure;

    public int write(byte[] data) {
      items.add(new String(data, UTF_8));
      return data.length;
    }

    @Override
    public void close() throws IOException {
      closes++;
      if (closeFailure != null) {
        throw closeFailure;
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void write_uncheckedIoExceptionFromTheTargetPropagatesAsItIs() {
    Throwing target = new Throwing();
    UncheckedIOException thrown = new UncheckedIOException(new IOException("disk full"));
    target.next = thrown;
    DataSink sink = DataSinks.bind(target);

    assertSame(thrown, assertThrows(UncheckedIOException.class, () -> sink.write(new byte[1])));
  }

  @Test
  void write_ioExceptionBecomesARetryableUncheckedIoException() {
    Throwing target = new Throwing();
    IOException thrown = new IOException("connection reset");
    target.next = thrown;
    DataSink sink = DataSinks.bind(target);

    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> sink.write(new byte[1]));

    assertSame(thrown, e.getCause());
    assertEquals(sink + ": write failed", e.getMessage());
  }

  @Test
  void write_runtimeExceptionsAndErrorsPropagateUnchanged() {
    Throwing target = new Throwing();
    DataSink sink = DataSinks.bind(target);

    IllegalArgumentException bug = new IllegalArgumentException("bug in the target");
    target.next = bug;
    assertSame(bug, assertThrows(IllegalArgumentException.class, () -> sink.write(new byte[1])));

    AssertionError error = new AssertionError("an error");
    target.next = error;
    assertSame(error, assertThrows(AssertionError.class, () -> sink.write(new byte[1])));
  }

  @Test
  void write_otherCheckedExceptionBecomesUndeclaredThrowable() {
    Throwing target = new Throwing();
    TimeoutException thrown = new TimeoutException("too slow");
    target.next = thrown;
    DataSink sink = DataSinks.bind(target);

    UndeclaredThrowableException e = assertThrows(UndeclaredThrowableException.class, () -> sink.write(new byte[1]));

    assertSame(thrown, e.getCause());
    assertEquals(sink + ": write threw java.util.concurrent.TimeoutException: too slow", e.getMessage());
  }

  @Test
  void write_interruptedExceptionRestoresTheInterrupt() {
    Throwing target = new Throwing();
    target.next = new InterruptedException("stop");
    DataSink sink = DataSinks.bind(target);

    UndeclaredThrowableException e;
    try {
      e = assertThrows(UndeclaredThrowableException.class, () -> sink.write(new byte[1]));
    } finally {
      assertTrue(Thread.interrupted(), "the interrupt is restored (and now cleared by the test)");
    }
    assertTrue(e.getCause() instanceof InterruptedException, String.valueOf(e.getCause()));
  }

  @Test
  void close_closesACloseableTargetOnceAndRefusesLaterWrites() {
    ClosableBucket bucket = new ClosableBucket();
    DataSink sink = DataSinks.bind(bucket);
    sink.write(bytes("a"));

    sink.close();
    sink.close();

    assertEquals(1, bucket.closes);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> sink.write(bytes("b")));
    assertEquals(sink + " is closed", e.getMessage());
    assertEquals(List.of("a"), bucket.items);
  }

  @Test
  void close_ofATargetThatIsNotCloseableStillRefusesLaterWrites() {
    DataSinkBindingTest.IntBucket bucket = new DataSinkBindingTest.IntBucket();
    DataSink sink = DataSinks.bind(bucket);

    sink.close();

    assertThrows(IllegalStateException.class, () -> sink.write(bytes("late")));
    assertEquals(List.of(), bucket.items);
  }

  @Test
  void close_ioExceptionFromTheTargetBecomesUncheckedAndIsNotRepeated() {
    ClosableBucket bucket = new ClosableBucket();
    bucket.closeFailure = new IOException("flush failed");
    DataSink sink = DataSinks.bind(bucket);

    UncheckedIOException e = assertThrows(UncheckedIOException.class, sink::close);
    sink.close();

    assertSame(bucket.closeFailure, e.getCause());
    assertEquals(sink + ": close failed", e.getMessage());
    assertEquals(1, bucket.closes);
  }
}
