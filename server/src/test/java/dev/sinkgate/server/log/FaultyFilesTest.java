package dev.sinkgate.server.log;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FaultyFiles}: the disk model the power-loss tests stand on. */
class FaultyFilesTest {
  @TempDir
  Path dir;

  private static void write(FileChannel ch, String s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private Set<String> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void crash_keepsWhatWasForcedAndFailsEveryLaterOperation() throws Exception {
    FaultyFiles files = new FaultyFiles();
    Path file = dir.resolve("a");
    try (FileChannel ch = files.open(file, CREATE_NEW, READ, WRITE)) {
      write(ch, "durable,");
      ch.force(false);
      write(ch, "lost");
      files.syncDirectory(dir);

      files.crash();

      assertEquals("durable,", Files.readString(file));
      IOException e = assertThrows(IOException.class, () -> write(ch, "x"));
      assertEquals("simulated power loss", e.getMessage());
      assertThrows(IOException.class, () -> ch.read(ByteBuffer.allocate(1), 0));
      assertThrows(IOException.class, () -> ch.force(true));
      assertThrows(IOException.class, () -> ch.truncate(0));
      assertThrows(IOException.class, () -> files.open(file, READ));
      assertThrows(IOException.class, () -> files.syncDirectory(dir));
    }
  }

  @Test
  void crash_undoesCreationsRenamesAndDeletionsSinceTheLastDirectorySync() throws Exception {
    Files.writeString(dir.resolve("untouched"), "there before");
    Files.writeString(dir.resolve("deleted"), "there before too");
    FaultyFiles files = new FaultyFiles();
    try (FileChannel ch = files.open(dir.resolve("synced"), CREATE_NEW, WRITE)) {
      write(ch, "synced");
      ch.force(false);
    }
    files.syncDirectory(dir);
    try (FileChannel ch = files.open(dir.resolve("created"), CREATE_NEW, WRITE)) {
      write(ch, "forced, but its name is not");
      ch.force(false);
    }
    files.moveAtomically(dir.resolve("synced"), dir.resolve("renamed"));
    files.deleteIfExists(dir.resolve("deleted"));
    assertEquals(Set.of("untouched", "renamed", "created"), names());

    files.crash();

    assertEquals(Set.of("untouched", "synced", "deleted"), names());
    assertEquals("synced", Files.readString(dir.resolve("synced")));
    assertEquals("there before too", Files.readString(dir.resolve("deleted")));
  }

  @Test
  void crash_afterADirectorySync_keepsTheRenameAndTheForcedContentUnderTheNewName() throws Exception {
    FaultyFiles files = new FaultyFiles();
    try (FileChannel ch = files.open(dir.resolve("tmp"), CREATE_NEW, WRITE)) {
      write(ch, "header");
      ch.force(true);
    }
    files.moveAtomically(dir.resolve("tmp"), dir.resolve("segment"));
    files.syncDirectory(dir);

    files.crash();

    assertEquals(Set.of("segment"), names());
    assertEquals("header", Files.readString(dir.resolve("segment")));
  }

  @Test
  void crash_withTornTails_keepsAPrefixOfTheUnsyncedBytesThenZeros() throws Exception {
    byte[] synced = "synced|".getBytes(StandardCharsets.UTF_8);
    byte[] unsynced = "unsynced bytes".getBytes(StandardCharsets.UTF_8);
    SplittableRandom seeds = new SplittableRandom(7);
    int exact = 0;
    int withKeptBytes = 0;
    int withZeros = 0;
    for (int i = 0; i < 100; i++) {
      Path file = dir.resolve("f" + i);
      FaultyFiles files = new FaultyFiles(seeds.split());
      try (FileChannel ch = files.open(file, CREATE_NEW, WRITE)) {
        write(ch, "synced|");
        ch.force(false);
        files.syncDirectory(dir);
        write(ch, "unsynced bytes");
        files.crash();
      }

      byte[] after = Files.readAllBytes(file);
      assertTrue(after.length <= synced.length + unsynced.length, "longer than the file ever was");
      assertArrayEquals(synced, Arrays.copyOf(after, synced.length), "the synced bytes");
      int kept = 0;
      while (synced.length + kept < after.length && after[synced.length + kept] != 0) {
        assertEquals(unsynced[kept], after[synced.length + kept], "unsynced byte " + kept);
        kept++;
      }
      for (int z = synced.length + kept; z < after.length; z++) {
        assertEquals(0, after[z], "after the kept prefix only zeros");
      }
      exact += after.length == synced.length ? 1 : 0;
      withKeptBytes += kept > 0 ? 1 : 0;
      withZeros += after.length > synced.length + kept ? 1 : 0;
    }
    assertTrue(exact > 0 && withKeptBytes > 0 && withZeros > 0,
        "exact " + exact + ", with kept bytes " + withKeptBytes + ", with zeros " + withZeros);
  }

  @Test
  void force_racingACrash_isDurableIfItReturnedAndFailsOtherwise() throws Exception {
    for (int round = 0; round < 20; round++) {
      Path file = dir.resolve("race-" + round);
      FaultyFiles files = new FaultyFiles();
      AtomicInteger lastForced = new AtomicInteger(-1);
      CountDownLatch forcing = new CountDownLatch(round + 1);
      try (FileChannel ch = files.open(file, CREATE_NEW, WRITE)) {
        files.syncDirectory(dir);
        Thread writer = new Thread(() -> {
          try {
            for (int i = 0; ; i++) {
              write(ch, i + "\n");
              ch.force(false);
              lastForced.set(i);
              forcing.countDown();
            }
          } catch (IOException expected) {
            // the power loss
          }
        });
        writer.start();
        assertTrue(forcing.await(10, TimeUnit.SECONDS));

        files.crash();

        writer.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(writer.isAlive(), "the writer did not fail after the crash");
      }
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i <= lastForced.get(); i++) {
        expected.append(i).append('\n');
      }
      assertEquals(expected.toString(), Files.readString(file), "round " + round + ": exactly what was forced");
    }
  }

  @Test
  void crashAfter_cutsThePowerInPlaceOfTheOperationDue() throws Exception {
    FaultyFiles files = new FaultyFiles();
    Path file = dir.resolve("a");
    files.crashAfter(2);
    try (FileChannel ch = files.open(file, CREATE_NEW, WRITE)) {
      write(ch, "written");
      assertFalse(files.whenCrashed().isDone());

      assertThrows(IOException.class, () -> ch.force(false));
    }
    assertTrue(files.whenCrashed().isDone());
    assertEquals(Set.of(), names(), "the file was never synced into the directory");
  }

  @Test
  void failNextForce_failsOneForce_failForcesFrom_failsEveryLaterOne_andBothAreCounted() throws Exception {
    FaultyFiles files = new FaultyFiles();
    try (FileChannel ch = files.open(dir.resolve("a"), CREATE_NEW, READ, WRITE)) {
      write(ch, "abc");
      ch.force(false);
      files.failNextForce();
      IOException e = assertThrows(IOException.class, () -> ch.force(false));
      assertEquals("simulated fsync failure (force 2)", e.getMessage());
      ch.force(false);
      files.failForcesFrom(5);
      ch.force(false);
      assertThrows(IOException.class, () -> ch.force(false));
      assertThrows(IOException.class, () -> ch.force(false));
      assertEquals(6, files.forces());

      ch.read(ByteBuffer.allocate(10), 1);
      assertEquals(2, files.bytesRead());
    }
  }
}
