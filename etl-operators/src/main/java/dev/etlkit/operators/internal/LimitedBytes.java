package dev.etlkit.operators.internal;

import java.io.OutputStream;
import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/**
 * A reusable, unsynchronized byte buffer for one record's output at a time that stores at most a
 * limit of bytes but counts every byte written: a record written far over the limit costs no more
 * memory than the limit, and its exact size can still be reported. {@link #start(int)} begins a
 * record; {@link #size()} is every byte written since, {@link #toByteArray()} exactly those bytes
 * while they are within the limit. A buffer grown past {@link #MAX_RETAINED_BYTES} for one record
 * is dropped by {@link #release()} after it. Not thread-safe.
 */
@Internal
public final class LimitedBytes extends OutputStream {

  /** The largest buffer kept between records: a larger one, grown for one record, is dropped. */
  public static final int MAX_RETAINED_BYTES = 1 << 20;

  private static final int INITIAL_BYTES = 256;

  private byte[] bytes = new byte[INITIAL_BYTES];
  // Every byte written since start(); the first min(count, limit) of them are stored, and once
  // count is over the limit nothing more is.
  private long count;
  private int limit = Integer.MAX_VALUE;

  /**
   * Begins a record: forgets the bytes of the last one, and stores at most {@code limit} bytes of
   * this one ({@code Integer.MAX_VALUE} for no limit; a negative limit stores none).
   */
  public void start(int limit) {
    this.count = 0;
    this.limit = Math.max(limit, 0);
  }

  @Override
  public void write(int b) {
    long end = count + 1;
    if (end <= limit) {
      if (end > bytes.length) {
        grow(end);
      }
      bytes[(int) count] = (byte) b;
    }
    count = end;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    long end = count + len;
    if (end <= limit) {
      if (end > bytes.length) {
        grow(end);
      }
      System.arraycopy(b, off, bytes, (int) count, len);
    }
    count = end;
  }

  /** Room for {@code needed} bytes (at most the limit): doubling, but never past the limit. */
  private void grow(long needed) {
    long doubled = Math.max(2L * bytes.length, needed);
    bytes = Arrays.copyOf(bytes, (int) Math.min(doubled, limit));
  }

  /** The bytes written since {@link #start(int)}, stored or not. */
  public long size() {
    return count;
  }

  /** Whether more bytes than the limit were written, so that not all of them are stored. */
  public boolean isOverLimit() {
    return count > limit;
  }

  /**
   * A new array of exactly the bytes written since {@link #start(int)}.
   *
   * @throws IllegalStateException if more were written than the limit, which are not all stored
   */
  public byte[] toByteArray() {
    if (count > limit) {
      throw new IllegalStateException(count + " bytes written, over the limit " + limit);
    }
    return Arrays.copyOf(bytes, (int) count);
  }

  /** Drops a buffer grown past {@link #MAX_RETAINED_BYTES} for one record; call after each. */
  public void release() {
    if (bytes.length > MAX_RETAINED_BYTES) {
      bytes = new byte[INITIAL_BYTES];
      count = 0;
    }
  }

  /** The size of the buffer (what is kept between records), for tests. */
  public int capacity() {
    return bytes.length;
  }
}
