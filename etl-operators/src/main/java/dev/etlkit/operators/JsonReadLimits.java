package dev.etlkit.operators;

import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Limits on what a JSON decoder reads, so one hostile or broken document cannot exhaust memory or
 * stack: a document over a limit becomes a dead letter, its neighbours are unaffected. Enforced by
 * Jackson's {@code StreamReadConstraints} (nesting, string, number and name length) and by a size
 * check before parsing (document size). Immutable.
 */
@PublicEvolving
public final class JsonReadLimits implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final int DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024;
  public static final int DEFAULT_MAX_NESTING_DEPTH = 64;
  public static final int DEFAULT_MAX_STRING_LENGTH = 1024 * 1024;
  public static final int DEFAULT_MAX_NUMBER_LENGTH = 100;

  /**
   * 1,024: far above any real column, property or map key name (Kafka Connect, Avro and SQL
   * identifiers stay below a few hundred), yet 50 times below Jackson's own 50,000, which a reader
   * could not afford: Jackson keeps the names it has seen (some 6,000) in a table shared by later
   * documents and copies it whenever a document brings a new one.
   */
  public static final int DEFAULT_MAX_NAME_LENGTH = 1024;

  private static final JsonReadLimits DEFAULTS =
      new JsonReadLimits(
          DEFAULT_MAX_DOCUMENT_BYTES,
          DEFAULT_MAX_NESTING_DEPTH,
          DEFAULT_MAX_STRING_LENGTH,
          DEFAULT_MAX_NUMBER_LENGTH,
          DEFAULT_MAX_NAME_LENGTH);

  private final int maxDocumentBytes;
  private final int maxNestingDepth;
  private final int maxStringLength;
  private final int maxNumberLength;
  private final int maxNameLength;

  private JsonReadLimits(
      int maxDocumentBytes,
      int maxNestingDepth,
      int maxStringLength,
      int maxNumberLength,
      int maxNameLength) {
    this.maxDocumentBytes = maxDocumentBytes;
    this.maxNestingDepth = maxNestingDepth;
    this.maxStringLength = maxStringLength;
    this.maxNumberLength = maxNumberLength;
    this.maxNameLength = maxNameLength;
  }

  /**
   * 1 MiB documents, 64 levels of nesting, 1 Mi-character strings, 100-digit numbers, names of
   * 1,024 characters ({@code DEFAULT_*}).
   */
  public static JsonReadLimits defaults() {
    return DEFAULTS;
  }

  /**
   * The largest document, in bytes, checked before parsing ({@value #DEFAULT_MAX_DOCUMENT_BYTES} by
   * default). Any value from 1 up to {@code Integer.MAX_VALUE} (no limit in practice) is honoured.
   *
   * @throws IllegalArgumentException if below 1
   */
  public JsonReadLimits withMaxDocumentBytes(int bytes) {
    return new JsonReadLimits(
        positive(bytes, "maxDocumentBytes"),
        maxNestingDepth,
        maxStringLength,
        maxNumberLength,
        maxNameLength);
  }

  /**
   * The deepest nesting of objects and arrays ({@value #DEFAULT_MAX_NESTING_DEPTH} by default). Any
   * value from 1 up to {@code Integer.MAX_VALUE} is accepted.
   *
   * @throws IllegalArgumentException if below 1
   */
  public JsonReadLimits withMaxNestingDepth(int depth) {
    return new JsonReadLimits(
        maxDocumentBytes,
        positive(depth, "maxNestingDepth"),
        maxStringLength,
        maxNumberLength,
        maxNameLength);
  }

  /**
   * The longest string value, in characters ({@value #DEFAULT_MAX_STRING_LENGTH} by default). Any
   * value from 1 up to {@code Integer.MAX_VALUE} (no limit in practice) is honoured.
   *
   * @throws IllegalArgumentException if below 1
   */
  public JsonReadLimits withMaxStringLength(int chars) {
    return new JsonReadLimits(
        maxDocumentBytes,
        maxNestingDepth,
        positive(chars, "maxStringLength"),
        maxNumberLength,
        maxNameLength);
  }

  /**
   * The most digits of a number ({@value #DEFAULT_MAX_NUMBER_LENGTH} by default); decoders that
   * read decimals also bound their digits in plain notation and their scale by it. Any value from 1
   * up to {@code Integer.MAX_VALUE} (no limit in practice) is honoured.
   *
   * @throws IllegalArgumentException if below 1
   */
  public JsonReadLimits withMaxNumberLength(int digits) {
    return new JsonReadLimits(
        maxDocumentBytes,
        maxNestingDepth,
        maxStringLength,
        positive(digits, "maxNumberLength"),
        maxNameLength);
  }

  /**
   * The longest field name or map key ({@value #DEFAULT_MAX_NAME_LENGTH} by default), counted after
   * escapes are decoded: in bytes of its UTF-8 form in a UTF-8 document (1,024 ASCII characters,
   * 341 characters such as {@code €}), in characters in a UTF-16 or UTF-32 one, as Jackson counts.
   * Jackson keeps every name it reads (up to some 6,000) for the documents that follow, so this
   * limit bounds what those names hold as well as what one document costs. Any value from 1 up to
   * {@code Integer.MAX_VALUE} is honoured.
   *
   * @throws IllegalArgumentException if below 1
   */
  public JsonReadLimits withMaxNameLength(int chars) {
    return new JsonReadLimits(
        maxDocumentBytes,
        maxNestingDepth,
        maxStringLength,
        maxNumberLength,
        positive(chars, "maxNameLength"));
  }

  public int maxDocumentBytes() {
    return maxDocumentBytes;
  }

  public int maxNestingDepth() {
    return maxNestingDepth;
  }

  public int maxStringLength() {
    return maxStringLength;
  }

  public int maxNumberLength() {
    return maxNumberLength;
  }

  public int maxNameLength() {
    return maxNameLength;
  }

  private static int positive(int value, String option) {
    if (value < 1) {
      throw new IllegalArgumentException(option + " must be >= 1, was " + value);
    }
    return value;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof JsonReadLimits)) {
      return false;
    }
    JsonReadLimits that = (JsonReadLimits) o;
    return maxDocumentBytes == that.maxDocumentBytes
        && maxNestingDepth == that.maxNestingDepth
        && maxStringLength == that.maxStringLength
        && maxNumberLength == that.maxNumberLength
        && maxNameLength == that.maxNameLength;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        maxDocumentBytes, maxNestingDepth, maxStringLength, maxNumberLength, maxNameLength);
  }

  @Override
  public String toString() {
    return "JsonReadLimits{maxDocumentBytes="
        + maxDocumentBytes
        + ", maxNestingDepth="
        + maxNestingDepth
        + ", maxStringLength="
        + maxStringLength
        + ", maxNumberLength="
        + maxNumberLength
        + ", maxNameLength="
        + maxNameLength
        + "}";
  }
}
