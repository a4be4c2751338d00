package dev.etlkit.operators.json;

import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Why a JSON step rejected a record: the error of every dead letter of {@link JsonParse} and {@link
 * JsonWrite}, so {@code DeadLetter.errorClass()} is this class's name for all of them.
 *
 * <p>The message starts with the {@link Reason} name, then says what and where without quoting the
 * payload: {@code "WRONG_TYPE: expected int, got a JSON string at $.quantity"}. Locations are JSON
 * paths built from the target type's property names (a name taken from the payload, such as an
 * unknown field or a map key, is shown as {@code ?}) or line and column for syntax errors. Messages
 * of other exceptions are never copied, because they often quote the value.
 */
@PublicEvolving
public final class JsonRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The kinds of rejection; stable names, safe to match on. */
  @PublicEvolving
  public enum Reason {
    /** The record had no payload: a null value, such as a Kafka tombstone. */
    NO_PAYLOAD,
    /** The payload was empty or only whitespace. */
    EMPTY,
    /**
     * The payload was larger than {@code JsonReadLimits.maxDocumentBytes}, or a record was written
     * longer than {@link JsonWrite#withMaxBytes}.
     */
    TOO_LARGE,
    /** Nesting depth, string length, number length or name length over a read limit. */
    LIMIT_EXCEEDED,
    /** Not valid UTF-8 (or UTF-16 or UTF-32, for a document in one of those). */
    INVALID_ENCODING,
    /** Not JSON: an unexpected character or token. */
    MALFORMED,
    /** The document ended in the middle of a value. */
    TRUNCATED,
    /** More content after the JSON object (a second value or garbage). */
    TRAILING_CONTENT,
    /** The document was valid JSON but not an object (an array, a string, a number, null). */
    NOT_AN_OBJECT,
    /** A value of the wrong JSON type for its field, and no coercion configured for it. */
    WRONG_TYPE,
    /** A number outside the range of its field's type (for example over {@code int}). */
    OUT_OF_RANGE,
    /** A value the field's type does not accept (a bad date, an unknown enum constant). */
    INVALID_VALUE,
    /** A field the target type does not have, with {@link UnknownFields#DEAD_LETTER}. */
    UNKNOWN_FIELD,
    /** A required field was missing or null. */
    MISSING_REQUIRED_FIELD,
    /** A coerced field could not be cast and its coercion says {@code DEAD_LETTER}. */
    COERCION_FAILED,
    /** A record could not be written as JSON, or the key function of {@code asRawRecords} threw. */
    WRITE_FAILED
  }

  private final Reason reason;

  /**
   * @param reason the kind of rejection
   * @param detail what and where, without payload contents
   */
  public JsonRecordException(Reason reason, String detail) {
    super(Objects.requireNonNull(reason, "reason").name() + ": " + detail);
    this.reason = reason;
  }

  /** The kind of rejection. */
  public Reason reason() {
    return reason;
  }
}
