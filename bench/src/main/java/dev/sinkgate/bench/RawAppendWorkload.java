package dev.sinkgate.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline the file sink is measured against: one thread appending {@code batch}
 * records of {@code recordBytes} each to a plain file with one {@code write}, then calling
 * {@code FileChannel.force(false)} (fdatasync, as {@code FileLog.sync} does), in a loop. No
 * framing, no CRC, no queue, no threads handing records over: what the disk allows for
 * that batch size. With a batch of 1 its {@link #syncs()} rate is the disk's fsyncs per
 * second for appends of one record.
 */
final class RawAppendWorkload extends LoopingWorkload {
  private final Path file;
  private final FileChannel channel;
  private final int batch;
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong syncs = new AtomicLong();

  private RawAppendWorkload(Path file, FileChannel channel, int batch) {
    this.file = file;
    this.channel = channel;
    this.batch = batch;
  }

  /**
   * Creates {@code file} (which must not exist) and starts appending to it.
   *
   * @param recordBytes the bytes one record puts on disk
   * @param content fills each batch: its bytes repeated, or cut short, to batch × recordBytes
   */
  static RawAppendWorkload start(Path file, int batch, int recordBytes, byte[] content) throws IOException {
    if (batch <= 0) {
      throw new IllegalArgumentException("batch: " + batch + " (expected: > 0)");
    }
    if (recordBytes <= 0) {
      throw new IllegalArgumentException("recordBytes: " + recordBytes + " (expected: > 0)");
    }
    // A heap buffer, as FileLog appends from one.
    ByteBuffer bytes = ByteBuffer.allocate(Math.multiplyExact(batch, recordBytes));
    while (bytes.hasRemaining()) {
      bytes.put(content, 0, Math.min(content.length, bytes.remaining()));
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    RawAppendWorkload workload = new RawAppendWorkload(file, channel, batch);
    workload.startThreads("bench-raw-append", 1, i -> () -> {
      bytes.clear();
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(false);
      workload.records.addAndGet(batch);
      workload.syncs.incrementAndGet();
    });
    return workload;
  }

  @Override
  public long records() {
    return records.get();
  }

  @Override
  public long syncs() {
    return syncs.get();
  }

  @Override
  protected void release() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "raw append (force once per " + batch + " records, " + file + ")";
  }
}
