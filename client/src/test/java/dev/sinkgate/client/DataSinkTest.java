package dev.sinkgate.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataSinkTest {
  /** A class that has never heard of sinkgate, with a write method of the contract's shape. */
  static final class Bucket {
    final List<String> items = new ArrayList<>();

    int write(byte[] data) {
      items.add(new String(data, StandardCharsets.UTF_8));
      return data.length;
    }
  }

  @Test
  void methodReference_isADataSinkWithoutAnAdapter() {
    Bucket bucket = new Bucket();
    DataSink sink = bucket::write;
    assertEquals(5, sink.write("hello".getBytes(StandardCharsets.UTF_8)));
    sink.close();
    sink.close();
    assertEquals(List.of("hello"), bucket.items);
  }

  @Test
  void discard_acceptsEveryByteAndSaysWhatItIs() {
    assertEquals(3, DataSinks.discard().write(new byte[3]));
    assertEquals(0, DataSinks.discard().write(new byte[0]));
    assertEquals("DataSinks.discard()", DataSinks.discard().toString());
  }

  @Test
  void outputStream_writesRecordAndDelimiterAndRefusesWritesAfterClose() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataSink sink = DataSinks.outputStream(out, new byte[] {'\n'}, true);
    assertEquals(2, sink.write(new byte[] {'a', 'b'}));
    assertEquals(0, sink.write(new byte[0]));
    assertArrayEquals(new byte[] {'a', 'b', '\n', '\n'}, out.toByteArray());
    assertTrue(sink.toString().startsWith("DataSinks.outputStream("), sink.toString());
    sink.close();
    sink.close();
    assertThrows(IllegalStateException.class, () -> sink.write(new byte[1]));
  }

  @Test
  void outputStream_reportsAFailingStreamAsUncheckedIoException() {
    OutputStream failing = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("no space left on device");
      }
    };
    DataSink sink = DataSinks.outputStream(failing, new byte[0], false);
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> sink.write(new byte[] {1}));
    assertTrue(e.getCause().getMessage().contains("no space left"));
  }
}
