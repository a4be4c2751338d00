package dev.etlkit.operators.avro.internal;

import java.io.Writer;

/**
 * A reusable, unsynchronized text buffer for one record's JSON at a time, limited in UTF-8 bytes
 * but storing chars: while at most {@code maxBytes} chars are written it stores them (each char is
 * at least one UTF-8 byte, so the text may still be within the limit); once more are written the
 * text is certainly over it, and the rest is only counted, so a record written far over the limit
 * costs no more than {@code maxBytes} chars while its exact UTF-8 size can still be reported. The
 * size is that of {@code text.getBytes(UTF_8)}: a surrogate pair (split across two writes or not)
 * is 4 bytes, an unpaired surrogate the 1 byte of its {@code ?}. A buffer grown past {@link
 * #MAX_RETAINED_CHARS} for one record is dropped by {@link #release()} after it. Not thread-safe.
 *
 * <p>The chars are kept in a {@code StringBuilder}, as {@code StringWriter} keeps them (without its
 * locking): one byte per char while they are all Latin-1, as JSON mostly is.
 */
final class LimitedText extends Writer {

  /** The largest buffer kept between records: a larger one, grown for one record, is dropped. */
  static final int MAX_RETAINED_CHARS = 1 << 20;

  private static final int INITIAL_CHARS = 256;

  private StringBuilder chars = new StringBuilder(INITIAL_CHARS);
  private int limit = Integer.MAX_VALUE;
  // Once more chars than the limit were written: the UTF-8 bytes of all of them, but a high
  // surrogate last written, whose size depends on the next char (4 bytes with a low one).
  private boolean over;
  private long utf8;
  private boolean pendingHigh;

  /**
   * Begins a record: forgets the text of the last one, and stores this one's while it has at most
   * {@code maxBytes} chars ({@code Integer.MAX_VALUE} for no limit).
   */
  void start(int maxBytes) {
    chars.setLength(0);
    limit = Math.max(maxBytes, 0);
    over = false;
  }

  @Override
  public void write(int c) {
    if (!over) {
      if (chars.length() < limit) {
        reserve(chars.length() + 1L);
        chars.append((char) c);
        return;
      }
      goOver();
    }
    count((char) c);
  }

  @Override
  public void write(char[] c, int off, int len) {
    if (!over) {
      long end = (long) chars.length() + len;
      if (end <= limit) {
        reserve(end);
        chars.append(c, off, len);
        return;
      }
      goOver();
    }
    for (int i = off, n = off + len; i < n; i++) {
      count(c[i]);
    }
  }

  @Override
  public void write(String s, int off, int len) {
    if (!over) {
      long end = (long) chars.length() + len;
      if (end <= limit) {
        reserve(end);
        chars.append(s, off, off + len);
        return;
      }
      goOver();
    }
    for (int i = off, n = off + len; i < n; i++) {
      count(s.charAt(i));
    }
  }

  /**
   * Room for {@code needed} chars (at most the limit): the builder's own doubling, but where that
   * would pass the limit, a builder of exactly the limit instead.
   */
  private void reserve(long needed) {
    int capacity = chars.capacity();
    if (needed > capacity && 2L * capacity + 2 > limit) {
      chars = new StringBuilder(limit).append(chars);
    }
  }

  /** More chars than the limit: from now on counts, starting with the stored ones. */
  private void goOver() {
    over = true;
    utf8 = 0;
    pendingHigh = false;
    countStored();
  }

  private void countStored() {
    for (int i = 0, n = chars.length(); i < n; i++) {
      count(chars.charAt(i));
    }
  }

  /** Adds the UTF-8 bytes of one more char to {@link #utf8}. */
  private void count(char c) {
    if (pendingHigh) {
      pendingHigh = false;
      if (Character.isLowSurrogate(c)) {
        utf8 += 4;
        return;
      }
      utf8++; // the unpaired high surrogate's '?'
    }
    if (c < 0x80) {
      utf8++;
    } else if (c < 0x800) {
      utf8 += 2;
    } else if (Character.isHighSurrogate(c)) {
      pendingHigh = true;
    } else if (Character.isLowSurrogate(c)) {
      utf8++; // unpaired: '?'
    } else {
      utf8 += 3;
    }
  }

  /** Whether more chars than the limit were written since {@link #start(int)}. */
  boolean isOverLimit() {
    return over;
  }

  /** The chars stored since {@link #start(int)}: all written while within the limit. */
  int length() {
    return chars.length();
  }

  /** The length in UTF-8 of all text written since {@link #start(int)}, stored or not. */
  long utf8Length() {
    if (!over) {
      utf8 = 0;
      pendingHigh = false;
      countStored();
    }
    return utf8 + (pendingHigh ? 1 : 0);
  }

  /**
   * The text written since {@link #start(int)}.
   *
   * @throws IllegalStateException if more chars were written than the limit, which are not stored
   */
  String text() {
    if (over) {
      throw new IllegalStateException("more chars written than the limit " + limit);
    }
    return chars.toString();
  }

  /** Drops a buffer grown past {@link #MAX_RETAINED_CHARS} for one record; call after each. */
  void release() {
    if (chars.capacity() > MAX_RETAINED_CHARS) {
      chars = new StringBuilder(INITIAL_CHARS);
    }
  }

  /** The size of the buffer (what is kept between records), for tests. */
  int capacity() {
    return chars.capacity();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
