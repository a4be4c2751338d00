package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.avro.AvroFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;
import org.apache.flink.annotation.Internal;

/**
 * Avro's binary encoding read from one payload in memory, with every allocation bounded by what the
 * payload can hold. Avro's own {@code BinaryDecoder} allocates a string, bytes or collection of
 * whatever length the data claims before reading it (its only guards are JVM-wide system
 * properties, {@code org.apache.avro.limits.*}, that default to 2 GiB), so a 6-byte record claiming
 * a 2 GiB string allocates 2 GiB. Here:
 *
 * <ul>
 *   <li>a string, bytes or fixed value, and a skipped block, may not be longer than the bytes left
 *       in the payload;
 *   <li>the items of all arrays and maps of one record, read or skipped, may not exceed {@code
 *       maxCollectionItems} together (items can take zero bytes, e.g. {@code array<null>}, so the
 *       payload size alone does not bound them, nor the time spent skipping them);
 *   <li>lengths and counts must be non-negative, varints at most 5 (int) or 10 (long) bytes long
 *       and without bits beyond 32 (int) or 64 (long), which Avro would cut off, booleans 0 or 1,
 *       strings (and map keys) UTF-8 (RFC 3629: no overlong forms, surrogates or code points above
 *       U+10FFFF), where Avro would put U+FFFD in place of each bad sequence.
 * </ul>
 *
 * <p>Violations throw {@link AvroFormatException}s whose messages name the limit and the bytes
 * left, never a length or count read from the payload (in misaligned data those are data values).
 * Not thread-safe; {@link #reset} it for every payload.
 */
@Internal
public final class BoundedBinaryDecoder extends Decoder {

  private final long maxCollectionItems;
  private byte[] buf = new byte[0];
  private int pos;
  private int limit;
  private long itemsLeft;

  public BoundedBinaryDecoder(long maxCollectionItems) {
    this.maxCollectionItems = maxCollectionItems;
  }

  /** Starts reading {@code length} bytes of {@code payload} from {@code offset}. */
  public BoundedBinaryDecoder reset(byte[] payload, int offset, int length) {
    this.buf = payload;
    this.pos = offset;
    this.limit = offset + length;
    this.itemsLeft = maxCollectionItems;
    return this;
  }

  /** Bytes not read yet. */
  public int remaining() {
    return limit - pos;
  }

  // --- primitives -------------------------------------------------------------------------------

  @Override
  public void readNull() {}

  @Override
  public boolean readBoolean() throws IOException {
    require(1);
    byte b = buf[pos++];
    if (b == 0) {
      return false;
    }
    if (b == 1) {
      return true;
    }
    throw new AvroFormatException("malformed Avro data: a boolean byte must be 0 or 1");
  }

  @Override
  public int readInt() throws IOException {
    // the fifth byte holds bits 28..34: those above 31 are no int's (Avro would cut them off)
    int n = (int) readVarint(5, 0x0f, "an int", 32);
    return (n >>> 1) ^ -(n & 1);
  }

  @Override
  public long readLong() throws IOException {
    // the tenth byte holds bit 63 and those above it, which are no long's
    long n = readVarint(10, 0x01, "a long", 64);
    return (n >>> 1) ^ -(n & 1);
  }

  private long readVarint(int maxBytes, int maxLastByte, String type, int bits) throws IOException {
    long value = 0;
    int shift = 0;
    for (int i = 0; i < maxBytes; i++) {
      require(1);
      int b = buf[pos++] & 0xff;
      if (i == maxBytes - 1 && b > maxLastByte && b < 0x80) {
        throw new AvroFormatException(
            "malformed Avro data: " + type + " varint holds more than " + bits + " bits");
      }
      value |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        return value;
      }
      shift += 7;
    }
    throw new AvroFormatException(
        "malformed Avro data: " + type + " varint is longer than " + maxBytes + " bytes");
  }

  @Override
  public float readFloat() throws IOException {
    require(4);
    int bits =
        (buf[pos] & 0xff)
            | (buf[pos + 1] & 0xff) << 8
            | (buf[pos + 2] & 0xff) << 16
            | (buf[pos + 3] & 0xff) << 24;
    pos += 4;
    return Float.intBitsToFloat(bits);
  }

  @Override
  public double readDouble() throws IOException {
    require(8);
    long bits = 0;
    for (int i = 7; i >= 0; i--) {
      bits = bits << 8 | (buf[pos + i] & 0xff);
    }
    pos += 8;
    return Double.longBitsToDouble(bits);
  }

  // --- strings, bytes, fixed --------------------------------------------------------------------

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = readUtf8Length();
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    System.arraycopy(buf, pos, result.getBytes(), 0, length);
    pos += length;
    return result;
  }

  @Override
  public String readString() throws IOException {
    int length = readUtf8Length();
    String s = new String(buf, pos, length, StandardCharsets.UTF_8);
    pos += length;
    return s;
  }

  @Override
  public void skipString() throws IOException {
    // Not "pos += readLength(...)": Java saves pos before the right side runs, and readLength
    // itself moves pos past the length varint, which would then be read again as data.
    int length = readLength("string");
    pos += length;
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = readLength("bytes");
    ByteBuffer result;
    if (old != null && old.hasArray() && length <= old.capacity()) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(length);
    }
    System.arraycopy(buf, pos, result.array(), result.arrayOffset(), length);
    result.limit(length);
    pos += length;
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    // Not "pos += readLength(...)": Java saves pos before the right side runs, and readLength
    // itself moves pos past the length varint, which would then be read again as data.
    int length = readLength("bytes");
    pos += length;
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    require(length);
    System.arraycopy(buf, pos, bytes, start, length);
    pos += length;
  }

  @Override
  public void skipFixed(int length) throws IOException {
    require(length);
    pos += length;
  }

  @Override
  public int readEnum() throws IOException {
    return readInt();
  }

  @Override
  public int readIndex() throws IOException {
    return readInt();
  }

  // --- arrays and maps --------------------------------------------------------------------------

  @Override
  public long readArrayStart() throws IOException {
    return readBlockCount();
  }

  @Override
  public long arrayNext() throws IOException {
    return readBlockCount();
  }

  @Override
  public long skipArray() throws IOException {
    return skipBlocks();
  }

  @Override
  public long readMapStart() throws IOException {
    return readBlockCount();
  }

  @Override
  public long mapNext() throws IOException {
    return readBlockCount();
  }

  @Override
  public long skipMap() throws IOException {
    return skipBlocks();
  }

  /** A block's item count; a negative count is followed by the block's size in bytes. */
  private long readBlockCount() throws IOException {
    long count = readLong();
    if (count < 0) {
      if (count == Long.MIN_VALUE) {
        throw new AvroFormatException("malformed Avro data: invalid block count");
      }
      count = -count;
      checkLength(readLong(), "block");
    }
    return takeItems(count);
  }

  /**
   * Skips the blocks that carry their byte size; returns the item count of the first block that
   * does not (its items are then skipped one by one), or 0 at the end.
   */
  private long skipBlocks() throws IOException {
    long count = readLong();
    while (count < 0) {
      // Not "pos += checkLength(readLong(), ..)": pos would be saved before readLong moves it.
      int size = checkLength(readLong(), "block");
      pos += size;
      count = readLong();
    }
    return takeItems(count);
  }

  private long takeItems(long count) throws IOException {
    if (count > itemsLeft) {
      throw new AvroFormatException(
          "Avro record has more than maxCollectionItems="
              + maxCollectionItems
              + " array/map items (nothing was allocated for them)");
    }
    itemsLeft -= count;
    return count;
  }

  /** The length of a string read next, whose bytes are checked to be UTF-8. */
  private int readUtf8Length() throws IOException {
    int length = readLength("string");
    if (!isUtf8(buf, pos, pos + length)) {
      throw new AvroFormatException("malformed Avro data: a string is not UTF-8");
    }
    return length;
  }

  /** Whether {@code bytes[from..to)} is UTF-8 (RFC 3629, section 4). ASCII costs one test. */
  static boolean isUtf8(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      int b = bytes[i];
      if (b >= 0) {
        i++;
        continue;
      }
      b &= 0xFF;
      int continuations;
      int secondMin = 0x80;
      int secondMax = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        continuations = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        continuations = 2;
        if (b == 0xE0) {
          secondMin = 0xA0; // overlong
        } else if (b == 0xED) {
          secondMax = 0x9F; // a UTF-16 surrogate
        }
      } else if (b >= 0xF0 && b <= 0xF4) {
        continuations = 3;
        if (b == 0xF0) {
          secondMin = 0x90; // overlong
        } else if (b == 0xF4) {
          secondMax = 0x8F; // beyond U+10FFFF
        }
      } else {
        return false; // a continuation byte without a lead, an overlong C0/C1, or F5..FF
      }
      if (to - i <= continuations) {
        return false;
      }
      int second = bytes[i + 1] & 0xFF;
      if (second < secondMin || second > secondMax) {
        return false;
      }
      for (int k = 2; k <= continuations; k++) {
        if ((bytes[i + k] & 0xC0) != 0x80) {
          return false;
        }
      }
      i += continuations + 1;
    }
    return true;
  }

  // --- bounds -----------------------------------------------------------------------------------

  private int readLength(String what) throws IOException {
    return checkLength(readLong(), what);
  }

  // Lengths come from the payload (misaligned data makes them data values): not in messages.
  private int checkLength(long length, String what) throws IOException {
    if (length < 0) {
      throw new AvroFormatException("malformed Avro data: negative " + what + " length");
    }
    if (length > limit - pos) {
      throw new AvroFormatException(
          "truncated Avro data: a "
              + what
              + " is longer than the "
              + (limit - pos)
              + " bytes left (nothing was allocated for it)");
    }
    return (int) length;
  }

  private void require(int bytes) throws IOException {
    if (bytes > limit - pos) {
      throw new AvroFormatException("truncated Avro data: the payload ends before the record does");
    }
  }
}
