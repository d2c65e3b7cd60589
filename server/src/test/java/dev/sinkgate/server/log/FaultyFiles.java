package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * {@link LogFiles} over a real directory that models a disk with a volatile page cache, so
 * a test can cut the power and leave only what a real disk would have kept.
 *
 * <p>What survives {@link #crash()}: of each file, its content as of the last successful
 * {@code force} on any of its channels; of each directory, its names as of the last
 * {@link #syncDirectory}. A file created since then is gone, a file deleted since then is
 * back with its durable content, a rename is undone. A file this layer has not touched is
 * taken to be durable as it is. Given a random source, a crash also keeps a random prefix
 * of each file's unsynced appended bytes and then a random run of zero bytes within the
 * size the file had reached (its size grew but its data did not land), as real disks do.
 * With {@link #persistPagesOutOfOrder()} it keeps instead a random subset of the unsynced
 * 512-byte sectors, the others zero-filled, as a disk that writes back in any order may.
 * After the crash every channel this layer handed out fails, and so does every operation.
 *
 * <p>Nothing is forced to the real disk: durability is this model's, which keeps tests fast.
 * Every operation holds the layer's lock, and so does a crash: a force racing a crash
 * either completes before it (and is durable) or fails.
 */
public final class FaultyFiles implements LogFiles {
  /** One file (an inode, whatever names it has): what of it survives a crash. */
  private static final class Node {
    byte[] durable;

    Node(byte[] durable) {
      this.durable = durable;
    }
  }

  private final RandomGenerator tornTails;
  /** Every path this layer has looked at, so a file it never saw is left as it is. */
  private final Set<Path> seen = new HashSet<>();
  /** The names as they are now. */
  private final Map<Path, Node> names = new HashMap<>();
  /** The names as of the last directory sync: what a crash restores. */
  private final Map<Path, Node> durableNames = new HashMap<>();
  private final CompletableFuture<Void> crashed = new CompletableFuture<>();
  /** Operations left before the armed crash, or -1 for none armed. */
  private long crashCountdown = -1;
  private long forces;
  private long failForcesFrom = Long.MAX_VALUE;
  private long failForcesTo = Long.MAX_VALUE;
  private long bytesRead;
  private boolean pagesOutOfOrder;

  /** A layer whose crash keeps exactly the durable state. */
  public FaultyFiles() {
    this(null);
  }

  /** A layer whose crash also keeps random torn tails drawn from {@code tornTails}. */
  public FaultyFiles(RandomGenerator tornTails) {
    this.tornTails = tornTails;
  }

  /**
   * Cuts the power: rewrites the real files to what survives (see the class comment) and
   * fails every operation from now on. Idempotent.
   */
  public synchronized void crash() throws IOException {
    if (crashed.isDone()) {
      return;
    }
    try {
      Map<Node, byte[]> now = new IdentityHashMap<>();
      for (Map.Entry<Path, Node> e : names.entrySet()) {
        now.put(e.getValue(), Files.readAllBytes(e.getKey()));
      }
      for (Path p : seen) {
        Files.deleteIfExists(p); // new files, so a channel still open writes to a file no name reaches
      }
      for (Map.Entry<Path, Node> e : durableNames.entrySet()) {
        Files.write(e.getKey(), survivor(e.getValue().durable, now.get(e.getValue())));
      }
      crashed.complete(null);
    } catch (IOException | RuntimeException e) {
      crashed.completeExceptionally(e);
      throw e;
    }
  }

  /**
   * Makes a crash keep a random subset of each file's unsynced pages (the others read as
   * zeros) instead of a prefix: holes with valid data after them. Needs a random source.
   */
  public synchronized FaultyFiles persistPagesOutOfOrder() {
    if (tornTails == null) {
      throw new IllegalStateException("out-of-order pages need the random source of FaultyFiles(RandomGenerator)");
    }
    pagesOutOfOrder = true;
    return this;
  }

  /** What a crash leaves of a file that was {@code now} and durably {@code durable}. */
  private byte[] survivor(byte[] durable, byte[] now) {
    if (tornTails == null || now == null || now.length <= durable.length
        || !Arrays.equals(now, 0, durable.length, durable, 0, durable.length)) {
      return durable;
    }
    int unsynced = now.length - durable.length;
    if (pagesOutOfOrder) {
      byte[] out = Arrays.copyOf(now, durable.length + tornTails.nextInt(unsynced + 1));
      int page = 512; // a sector: small enough that one group spans several
      for (int start = durable.length / page * page; start < out.length; start += page) {
        if (tornTails.nextBoolean()) {
          Arrays.fill(out, Math.max(start, durable.length), Math.min(start + page, out.length), (byte) 0);
        }
      }
      return out;
    }
    int kept = tornTails.nextInt(unsynced + 1);
    int zeros = tornTails.nextBoolean() ? 0 : tornTails.nextInt(unsynced - kept + 1);
    byte[] out = Arrays.copyOf(now, durable.length + kept + zeros);
    Arrays.fill(out, durable.length + kept, out.length, (byte) 0);
    return out;
  }

  /**
   * Arms a crash in place of the operation after {@code operations} more; writes, forces,
   * truncations and the {@link LogFiles} operations count, reads do not.
   */
  public synchronized void crashAfter(long operations) {
    if (operations < 0) {
      throw new IllegalArgumentException("operations: " + operations + " (expected: >= 0)");
    }
    crashCountdown = operations;
  }

  /** Completes when a crash has rewritten the files (exceptionally if rewriting failed). */
  public CompletableFuture<Void> whenCrashed() {
    return crashed;
  }

  /** Makes the next force fail with an IOException; the one after it succeeds again. */
  public synchronized void failNextForce() {
    failForcesFrom = forces + 1;
    failForcesTo = forces + 1;
  }

  /** Makes every force from the {@code n}-th (counting from 1, as {@link #forces()} does) fail. */
  public synchronized void failForcesFrom(long n) {
    failForcesFrom = n;
    failForcesTo = Long.MAX_VALUE;
  }

  /** How many times a channel's {@code force} was called, failed ones included. */
  public synchronized long forces() {
    return forces;
  }

  /** Bytes read through this layer's channels. */
  public synchronized long bytesRead() {
    return bytesRead;
  }

  /** Counts an operation, crashes in its place if one is due, and fails it after a crash. */
  private void operation() throws IOException {
    if (crashCountdown >= 0 && crashCountdown-- == 0) {
      crash();
    }
    failIfCrashed();
  }

  private void failIfCrashed() throws IOException {
    if (crashed.isDone()) {
      throw new IOException("simulated power loss");
    }
  }

  /** A path this layer meets for the first time is durable as it is on disk. */
  private Path track(Path file) throws IOException {
    Path p = file.toAbsolutePath().normalize();
    if (seen.add(p) && Files.exists(p)) {
      Node node = new Node(Files.readAllBytes(p));
      names.put(p, node);
      durableNames.put(p, node);
    }
    return p;
  }

  @Override
  public synchronized FileChannel open(Path file, OpenOption... options) throws IOException {
    operation();
    Path p = track(file);
    FileChannel channel = FileChannel.open(p, options);
    // A file created now has no durable content and, until the directory is synced, no durable name.
    return new Channel(channel, names.computeIfAbsent(p, k -> new Node(new byte[0])));
  }

  @Override
  public synchronized void moveAtomically(Path from, Path to) throws IOException {
    operation();
    Path f = track(from);
    Path t = track(to);
    Files.move(f, t, StandardCopyOption.ATOMIC_MOVE);
    names.put(t, names.remove(f));
  }

  @Override
  public synchronized void deleteIfExists(Path file) throws IOException {
    operation();
    Path p = track(file);
    Files.deleteIfExists(p);
    names.remove(p);
  }

  @Override
  public synchronized void syncDirectory(Path dir) throws IOException {
    operation();
    Path d = dir.toAbsolutePath().normalize();
    durableNames.keySet().removeIf(p -> d.equals(p.getParent()));
    names.forEach((p, node) -> {
      if (d.equals(p.getParent())) {
        durableNames.put(p, node);
      }
    });
  }

  @Override
  public synchronized String toString() {
    return "FaultyFiles(" + (crashed.isDone() ? "crashed" : "running") + ", " + forces + " forces)";
  }

  /** A channel whose force makes its file's current content durable. */
  private final class Channel extends ForwardingFileChannel {
    private final Node node;

    Channel(FileChannel delegate, Node node) {
      super(delegate);
      this.node = node;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      synchronized (FaultyFiles.this) {
        failIfCrashed();
        int n = delegate.read(dst, position);
        bytesRead += Math.max(n, 0);
        return n;
      }
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      synchronized (FaultyFiles.this) {
        operation();
        return delegate.write(src, position);
      }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      synchronized (FaultyFiles.this) {
        operation();
        delegate.truncate(size);
        return this;
      }
    }

    @Override
    public void force(boolean metaData) throws IOException {
      synchronized (FaultyFiles.this) {
        long number = ++forces;
        operation();
        if (number >= failForcesFrom && number <= failForcesTo) {
          throw new IOException("simulated fsync failure (force " + number + ")");
        }
        for (Map.Entry<Path, Node> e : names.entrySet()) {
          if (e.getValue() == node) {
            node.durable = Files.readAllBytes(e.getKey()); // by name: the channel may be write-only
          }
        }
      }
    }
  }
}
