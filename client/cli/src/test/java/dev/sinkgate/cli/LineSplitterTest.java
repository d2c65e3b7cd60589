package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {
  private static List<byte[]> split(byte[] input, int maxLineBytes) throws IOException {
    LineSplitter s = new LineSplitter(new ByteArrayInputStream(input), maxLineBytes);
    List<byte[]> lines = new ArrayList<>();
    byte[] line;
    while ((line = s.next()) != null) {
      lines.add(line);
    }
    assertEquals(lines.size(), s.lineNumber());
    return lines;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void next_keepsEveryByteButTheNewline() throws IOException {
    byte[] input = {'a', '\r', '\n', '\n', (byte) 0xff, (byte) 0xfe, 0, '\n', 'z'};

    List<byte[]> lines = split(input, 100);

    assertEquals(4, lines.size());
    assertArrayEquals(new byte[] {'a', '\r'}, lines.get(0), "a CRLF line keeps its CR");
    assertArrayEquals(new byte[0], lines.get(1), "an empty line is a record");
    assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xfe, 0}, lines.get(2), "bytes are not decoded");
    assertArrayEquals(new byte[] {'z'}, lines.get(3), "a last line without newline is a line");
  }

  @Test
  void next_finalNewline_addsNoEmptyLine() throws IOException {
    assertEquals(2, split(utf8("one\ntwo\n"), 100).size());
    assertEquals(0, split(new byte[0], 100).size());
    assertEquals(1, split(utf8("\n"), 100).size());
  }

  @Test
  void next_linesAcrossReadBoundaries_areJoined() throws IOException {
    // A stream that hands out one byte per read, and lines longer than the 64 KiB buffer.
    String longLine = "x".repeat(200_000);
    byte[] input = utf8("héllo\n" + longLine + "\nend");
    InputStream trickle = new ByteArrayInputStream(input) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1));
      }
    };
    LineSplitter s = new LineSplitter(trickle, 1 << 20);

    assertArrayEquals(utf8("héllo"), s.next());
    assertArrayEquals(utf8(longLine), s.next());
    assertArrayEquals(utf8("end"), s.next());
    assertNull(s.next());

    List<byte[]> big = split(input, 1 << 20);
    assertArrayEquals(utf8(longLine), big.get(1));
  }

  @Test
  void next_lineOverTheLimit_failsNamingTheLine() throws IOException {
    LineSplitter s = new LineSplitter(new ByteArrayInputStream(utf8("ok\n12345678901\n")), 10);

    assertArrayEquals(utf8("ok"), s.next());
    LineSplitter.LineTooLongException e = assertThrows(LineSplitter.LineTooLongException.class, s::next);
    assertEquals("line 2 is longer than 10 bytes (expected: at most 10 bytes per record)", e.getMessage());
  }

  @Test
  void next_lineExactlyAtTheLimit_isAccepted() throws IOException {
    assertArrayEquals(utf8("1234567890"), split(utf8("1234567890\n"), 10).get(0));
  }
}
