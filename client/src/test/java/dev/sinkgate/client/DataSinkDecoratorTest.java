package dev.sinkgate.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataSinkDecoratorTest {
  /** The end of a pipeline: keeps records as strings and counts closes, without guarding them. */
  static final class ListSink implements DataSink {
    final List<String> records = new ArrayList<>();
    int closes;

    @Override
    public int write(byte[] data) {
      records.add(new String(data, UTF_8));
      return data.length;
    }

    @Override
    public void close() {
      closes++;
    }

    @Override
    public String toString() {
      return "ListSink";
    }
  }

  /** Counts what passes through. */
  static final class CountingSink extends ForwardingDataSink {
    long records;
    long bytes;

    CountingSink(DataSink delegate) {
      super(delegate);
    }

    @Override
    public int write(byte[] data) {
      int n = super.write(data);
      records++;
      bytes += n;
      return n;
    }
  }

  /** Records each write and the first close in a log shared by the whole pipeline. */
  static final class RecordingSink extends ForwardingDataSink {
    private final String name;
    private final List<String> log;

    RecordingSink(String name, List<String> log, DataSink delegate) {
      super(delegate);
      this.name = name;
      this.log = log;
    }

    @Override
    public int write(byte[] data) {
      log.add(name + " write " + new String(data, UTF_8));
      return super.write(data);
    }

    @Override
    public void close() {
      if (!isClosed()) {
        log.add(name + " close");
      }
      super.close();
    }

    @Override
    public String toString() {
      return name + "(" + delegate() + ")";
    }
  }

  private static DataSinkDecorator recording(String name, List<String> log) {
    return delegate -> new RecordingSink(name, log, delegate);
  }

  /** A decorator that changes the record, as an anonymous forwarding sink. */
  private static final DataSinkDecorator UPPER_CASE = delegate -> new ForwardingDataSink(delegate) {
    @Override
    public int write(byte[] data) {
      return super.write(new String(data, UTF_8).toUpperCase().getBytes(UTF_8));
    }
  };

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void decorate_appliesTheLastDecoratorOutermost() {
    List<String> log = new ArrayList<>();
    ListSink base = new ListSink();
    DataSink sink = base.decorate(recording("inner", log)).decorate(recording("outer", log));

    assertEquals(2, sink.write(bytes("ab")));

    assertEquals(List.of("outer write ab", "inner write ab"), log);
    assertEquals(List.of("ab"), base.records);
    assertEquals("outer(inner(ListSink))", sink.toString());
  }

  @Test
  void andThen_wrapsTheSecondDecoratorAroundTheFirst() {
    List<String> log = new ArrayList<>();
    ListSink upperInside = new ListSink();
    upperInside.decorate(UPPER_CASE.andThen(recording("outer", log))).write(bytes("abc"));
    // "outer" wraps the upper-caser, so it sees the record before it is changed.
    assertEquals(List.of("outer write abc"), log);
    assertEquals(List.of("ABC"), upperInside.records);

    log.clear();
    ListSink upperOutside = new ListSink();
    recording("inner", log).andThen(UPPER_CASE).apply(upperOutside).write(bytes("abc"));
    assertEquals(List.of("inner write ABC"), log);
    assertEquals(List.of("ABC"), upperOutside.records);
  }

  @Test
  void andThen_isTheSameAsDecoratingInTheSameOrder() {
    List<String> composedLog = new ArrayList<>();
    DataSink composed = recording("a", composedLog).andThen(recording("b", composedLog))
        .apply(new ListSink());
    List<String> chainedLog = new ArrayList<>();
    DataSink chained = new ListSink()
        .decorate(recording("a", chainedLog)).decorate(recording("b", chainedLog));

    composed.write(bytes("x"));
    chained.write(bytes("x"));

    assertEquals(List.of("b write x", "a write x"), composedLog);
    assertEquals(composedLog, chainedLog);
    assertEquals(chained.toString(), composed.toString());
  }

  @Test
  void countingDecorator_countsWhatTheDelegateAccepted() {
    ListSink base = new ListSink();
    CountingSink counting = new CountingSink(base);
    DataSink sink = counting.decorate(UPPER_CASE);

    sink.write(bytes("one"));
    sink.write(bytes(""));
    sink.write(bytes("three"));

    assertEquals(3, counting.records);
    assertEquals(8, counting.bytes);
    assertEquals(List.of("ONE", "", "THREE"), base.records);
  }

  @Test
  void close_propagatesOnceThroughTheChainOutermostFirst() {
    List<String> log = new ArrayList<>();
    ListSink base = new ListSink();
    DataSink sink = base.decorate(CountingSink::new)
        .decorate(recording("inner", log))
        .decorate(recording("outer", log));

    sink.close();
    sink.close();

    assertEquals(List.of("outer close", "inner close"), log);
    assertEquals(1, base.closes);
  }

  @Test
  void write_afterCloseThrowsWithoutReachingTheDelegate() {
    ListSink base = new ListSink();
    DataSink sink = base.decorate(CountingSink::new);
    sink.close();

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> sink.write(bytes("late")));

    assertEquals("CountingSink(ListSink) is closed", e.getMessage());
    assertEquals(List.of(), base.records);
  }

  @Test
  void forwardingSink_overALambdaStillRefusesWritesAfterClose() {
    List<String> received = new ArrayList<>();
    DataSink lambda = data -> {
      received.add(new String(data, UTF_8));
      return data.length;
    };
    DataSink sink = lambda.decorate(CountingSink::new);
    sink.write(bytes("before"));
    sink.close();

    assertThrows(IllegalStateException.class, () -> sink.write(bytes("after")));
    assertEquals(List.of("before"), received);
  }

  @Test
  void forwardingSink_anonymousSubclassNamesItsBinaryName() {
    String name = new ListSink().decorate(UPPER_CASE).toString();
    assertTrue(name.startsWith("dev.sinkgate.client.DataSinkDecoratorTest$"), name);
    assertTrue(name.endsWith("(ListSink)"), name);
  }

  @Test
  void decorate_rejectsADecoratorThatReturnsNull() {
    DataSinkDecorator broken = new DataSinkDecorator() {
      @Override
      public DataSink apply(DataSink delegate) {
        return null;
      }

      @Override
      public String toString() {
        return "broken";
      }
    };
    NullPointerException e = assertThrows(NullPointerException.class,
        () -> new ListSink().decorate(broken));
    assertEquals("broken returned null for ListSink (expected: a DataSink)", e.getMessage());
  }

  @Test
  void identity_returnsTheSinkItIsGiven() {
    ListSink base = new ListSink();
    assertSame(base, DataSinkDecorator.identity().apply(base));
    assertSame(base, base.decorate(DataSinkDecorator.identity()));
  }

  @Test
  void forwardingSink_rejectsANullDelegate() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> new CountingSink(null));
    assertEquals("delegate", e.getMessage());
  }
}
