package dev.etlkit.benchmarks.format;

import java.io.OutputStream;
import java.util.Arrays;

/** A growable byte buffer written as a stream and emptied with {@link #reset()}, never shrunk. */
final class ReusableOutput extends OutputStream {
  private byte[] buffer = new byte[4096];
  private int length;

  void reset() {
    length = 0;
  }

  /** The bytes written since the last reset, in a new array of exactly their length. */
  byte[] toByteArray() {
    return Arrays.copyOf(buffer, length);
  }

  @Override
  public void write(int b) {
    ensure(1);
    buffer[length++] = (byte) b;
  }

  @Override
  public void write(byte[] bytes, int offset, int count) {
    ensure(count);
    System.arraycopy(bytes, offset, buffer, length, count);
    length += count;
  }

  private void ensure(int count) {
    if (length + count > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(length + count, 2 * buffer.length));
    }
  }
}
