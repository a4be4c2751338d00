package dev.etlkit.core;

import dev.etlkit.core.internal.DeadLetterTypeInfo;
import dev.etlkit.core.internal.DeadLetterTypeInfoFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/**
 * A record a step could not process, with the reason. Every step that rejects a record emits
 * exactly one dead letter for it (unless its {@link ErrorPolicy} fails the job instead); {@link
 * EtlStream#deadLetters()} collects them from all steps of a pipeline.
 *
 * <p>The original payload is kept either as bytes (for byte and {@link RawRecord} input) or as text
 * (for everything else), cut to at most {@link #DEFAULT_MAX_PAYLOAD_BYTES} bytes with {@link
 * #payloadTruncated()} set when it was cut; {@link #payloadAsBytes()} and {@link #payloadAsText()}
 * give it in one form whichever it was kept in. The error message is the message of the exception
 * that rejected the record, cut to {@link #MAX_ERROR_MESSAGE_BYTES}; steps keep payload contents
 * out of it.
 *
 * <p>Instances are immutable; build them with {@link #builder()}.
 */
@PublicEvolving
@TypeInfo(DeadLetterTypeInfoFactory.class)
public final class DeadLetter {

  /** Payloads longer than this many bytes are truncated (and flagged). */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

  /**
   * Error messages longer than this many UTF-8 bytes are cut to it and marked with a trailing
   * {@code " [cut]"}: an exception of a user function may quote a whole document, and a dead letter
   * must stay small enough for its sink (a Kafka topic refuses a record over its {@code
   * max.message.bytes}).
   */
  public static final int MAX_ERROR_MESSAGE_BYTES = 8 * 1024;

  private static final String CUT_MARK = " [cut]";

  /** The type information of dead-letter streams; its serializer has a versioned snapshot. */
  public static final TypeInformation<DeadLetter> TYPE_INFO = new DeadLetterTypeInfo();

  /** The side output on which steps emit their dead letters. */
  public static final OutputTag<DeadLetter> OUTPUT_TAG =
      new OutputTag<>("etlkit-dead-letters", TYPE_INFO);

  private final String pipeline;
  private final String step;
  private final String uid;
  private final String errorClass;
  @Nullable private final String errorMessage;
  @Nullable private final byte[] payloadBytes;
  @Nullable private final String payloadText;
  private final boolean payloadTruncated;
  @Nullable private final Long eventTime;
  @Nullable private final String sourcePosition;
  private final int attempt;
  private final long rejectedAt;

  private DeadLetter(Builder b) {
    this.pipeline = requireText(b.pipeline, "pipeline");
    this.step = requireText(b.step, "step");
    this.uid = requireText(b.uid, "uid");
    this.errorClass = requireText(b.errorClass, "errorClass");
    this.errorMessage = b.errorMessage;
    this.payloadBytes = b.payloadBytes;
    this.payloadText = b.payloadText;
    this.payloadTruncated = b.payloadTruncated || b.truncatedFlag;
    this.eventTime = b.eventTime;
    this.sourcePosition = b.sourcePosition;
    if (b.attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1, was " + b.attempt);
    }
    this.attempt = b.attempt;
    this.rejectedAt = b.rejectedAt;
  }

  public static Builder builder() {
    return new Builder();
  }

  private static String requireText(@Nullable String value, String name) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    return value;
  }

  /** Name of the pipeline the rejecting step belongs to. */
  public String pipeline() {
    return pipeline;
  }

  /** Name of the step that rejected the record. */
  public String step() {
    return step;
  }

  /** Uid of the operator that rejected the record. */
  public String uid() {
    return uid;
  }

  /** Fully qualified class name of the error (for example a Jackson parse exception). */
  public String errorClass() {
    return errorClass;
  }

  /** The error message, or null when the error had none. */
  @Nullable
  public String errorMessage() {
    return errorMessage;
  }

  /** The original payload as bytes, or null when it was kept as text. */
  @Nullable
  public byte[] payloadBytes() {
    return payloadBytes == null ? null : payloadBytes.clone();
  }

  /** The original payload as text, or null when it was kept as bytes. */
  @Nullable
  public String payloadText() {
    return payloadText;
  }

  /** The payload as text whichever way it was kept (bytes decoded as UTF-8), or null if none. */
  @Nullable
  public String payloadAsText() {
    if (payloadText != null) {
      return payloadText;
    }
    return payloadBytes == null ? null : new String(payloadBytes, StandardCharsets.UTF_8);
  }

  /**
   * The payload as bytes whichever way it was kept: the bytes as they came, or the text encoded as
   * UTF-8; null if there is none. This is the form to write to a sink of byte values (a Kafka
   * record's value, a {@code bytea} column) without losing text payloads, which is what every step
   * after a decoder keeps. Tell the two forms apart with {@link #payloadText()}, non-null exactly
   * when the payload was kept as text. Returns a new array on every call.
   */
  @Nullable
  public byte[] payloadAsBytes() {
    if (payloadBytes != null) {
      return payloadBytes.clone();
    }
    return payloadText == null ? null : payloadText.getBytes(StandardCharsets.UTF_8);
  }

  /** True when the payload was cut to the size limit. */
  public boolean payloadTruncated() {
    return payloadTruncated;
  }

  /** Event time of the rejected record in epoch milliseconds, or null when unknown. */
  @Nullable
  public Long eventTime() {
    return eventTime;
  }

  /**
   * Where the record came from when known, for example {@code orders-3@1234} ({@code
   * topic-partition@offset}) or {@code lsn=0/16B3748}; null when unknown.
   */
  @Nullable
  public String sourcePosition() {
    return sourcePosition;
  }

  /** How many times the step tried the record before giving up (1 for a single attempt). */
  public int attempt() {
    return attempt;
  }

  /** Processing time at which the record was rejected, epoch milliseconds. */
  public long rejectedAt() {
    return rejectedAt;
  }

  /** A copy of this dead letter as a builder, to change some fields. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.pipeline = pipeline;
    b.step = step;
    b.uid = uid;
    b.errorClass = errorClass;
    b.errorMessage = errorMessage;
    b.payloadBytes = payloadBytes;
    b.payloadText = payloadText;
    b.payloadTruncated = payloadTruncated;
    b.eventTime = eventTime;
    b.sourcePosition = sourcePosition;
    b.attempt = attempt;
    b.rejectedAt = rejectedAt;
    return b;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DeadLetter)) {
      return false;
    }
    DeadLetter that = (DeadLetter) o;
    return payloadTruncated == that.payloadTruncated
        && attempt == that.attempt
        && rejectedAt == that.rejectedAt
        && pipeline.equals(that.pipeline)
        && step.equals(that.step)
        && uid.equals(that.uid)
        && errorClass.equals(that.errorClass)
        && Objects.equals(errorMessage, that.errorMessage)
        && Arrays.equals(payloadBytes, that.payloadBytes)
        && Objects.equals(payloadText, that.payloadText)
        && Objects.equals(eventTime, that.eventTime)
        && Objects.equals(sourcePosition, that.sourcePosition);
  }

  @Override
  public int hashCode() {
    int h =
        Objects.hash(
            pipeline,
            step,
            uid,
            errorClass,
            errorMessage,
            payloadText,
            payloadTruncated,
            eventTime,
            sourcePosition,
            attempt,
            rejectedAt);
    return 31 * h + Arrays.hashCode(payloadBytes);
  }

  /** Identifies the letter and its reason; never prints the payload. */
  @Override
  public String toString() {
    return "DeadLetter{"
        + pipeline
        + "/"
        + step
        + ", error="
        + errorClass
        + (errorMessage != null ? ": " + errorMessage : "")
        + ", attempt="
        + attempt
        + (sourcePosition != null ? ", source=" + sourcePosition : "")
        + (payloadTruncated ? ", payload truncated" : "")
        + "}";
  }

  /** Builds a {@link DeadLetter}; pipeline, step, uid and error class are required. */
  @PublicEvolving
  public static final class Builder {
    @Nullable private String pipeline;
    @Nullable private String step;
    @Nullable private String uid;
    @Nullable private String errorClass;
    @Nullable private String errorMessage;
    @Nullable private byte[] payloadBytes;
    @Nullable private String payloadText;
    private boolean payloadTruncated;
    private boolean truncatedFlag;
    @Nullable private Long eventTime;
    @Nullable private String sourcePosition;
    private int attempt = 1;
    private long rejectedAt;

    private Builder() {}

    /** Sets pipeline, step and uid from a step's identity. */
    public Builder step(StepIdentity identity) {
      this.pipeline = identity.pipeline();
      this.step = identity.step();
      this.uid = identity.uid();
      return this;
    }

    public Builder pipeline(String pipeline) {
      this.pipeline = pipeline;
      return this;
    }

    public Builder step(String step) {
      this.step = step;
      return this;
    }

    public Builder uid(String uid) {
      this.uid = uid;
      return this;
    }

    /**
     * Sets error class and message from the error (the cause chain is not kept). If the error's
     * {@code getMessage()} throws, the message is a note naming the error's class and what it threw
     * instead, so the record still becomes a dead letter.
     */
    public Builder error(Throwable error) {
      this.errorClass = error.getClass().getName();
      return errorMessage(message(error));
    }

    @Nullable
    private static String message(Throwable error) {
      try {
        return error.getMessage();
      } catch (Exception | StackOverflowError e) {
        // Exception, not RuntimeException: JVM languages without checked exceptions throw them.
        return "<no message: "
            + error.getClass().getName()
            + ".getMessage() threw "
            + e.getClass().getName()
            + ">";
      }
    }

    public Builder errorClass(String errorClass) {
      this.errorClass = errorClass;
      return this;
    }

    /**
     * The error message, cut to {@link #MAX_ERROR_MESSAGE_BYTES} if longer; a message that was cut
     * so before (its text within the limit, then {@code " [cut]"}) is kept as it is.
     */
    public Builder errorMessage(@Nullable String errorMessage) {
      // A char is at most 3 UTF-8 bytes (a surrogate pair 4 for 2 chars): short ones are not cut.
      this.errorMessage =
          errorMessage == null || errorMessage.length() * 3 <= MAX_ERROR_MESSAGE_BYTES
              ? errorMessage
              : cut(errorMessage);
      return this;
    }

    private static String cut(String message) {
      String kept = truncateUtf8(message, MAX_ERROR_MESSAGE_BYTES);
      if (kept.length() == message.length()
          || (message.endsWith(CUT_MARK)
              && kept.length() >= message.length() - CUT_MARK.length())) {
        // Fits, or was cut before (a letter read back by its serializer, or copied): cutting
        // it again would cut into its mark.
        return message;
      }
      return kept + CUT_MARK;
    }

    /** Keeps the payload as bytes, cut to {@link #DEFAULT_MAX_PAYLOAD_BYTES}. */
    public Builder payload(@Nullable byte[] bytes) {
      return payload(bytes, DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /**
     * Keeps the payload as bytes, cut to {@code maxBytes} (0 keeps none, {@code Integer.MAX_VALUE}
     * all).
     *
     * @throws IllegalArgumentException if {@code maxBytes} is negative
     */
    public Builder payload(@Nullable byte[] bytes, int maxBytes) {
      requireMaxPayloadBytes(maxBytes);
      this.payloadText = null;
      if (bytes == null) {
        this.payloadBytes = null;
        this.payloadTruncated = false;
      } else if (bytes.length > maxBytes) {
        this.payloadBytes = Arrays.copyOf(bytes, maxBytes);
        this.payloadTruncated = true;
      } else {
        this.payloadBytes = bytes.clone();
        this.payloadTruncated = false;
      }
      return this;
    }

    /** Keeps the payload as text, cut to {@link #DEFAULT_MAX_PAYLOAD_BYTES} UTF-8 bytes. */
    public Builder payload(@Nullable String text) {
      return payload(text, DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /**
     * Keeps the payload as text, cut so that its UTF-8 form has at most {@code maxBytes} bytes (0
     * keeps none, {@code Integer.MAX_VALUE} all).
     *
     * @throws IllegalArgumentException if {@code maxBytes} is negative
     */
    public Builder payload(@Nullable String text, int maxBytes) {
      requireMaxPayloadBytes(maxBytes);
      this.payloadBytes = null;
      if (text == null) {
        this.payloadText = null;
        this.payloadTruncated = false;
        return this;
      }
      // Cheap bound first: a char takes at most 3 UTF-8 bytes (surrogate pairs 4 for 2 chars).
      if ((long) text.length() * 3 <= maxBytes) {
        this.payloadText = text;
        this.payloadTruncated = false;
        return this;
      }
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      if (utf8.length <= maxBytes) {
        this.payloadText = text;
        this.payloadTruncated = false;
      } else {
        this.payloadText = truncateUtf8(text, maxBytes);
        this.payloadTruncated = true;
      }
      return this;
    }

    /**
     * Keeps a record as the payload: {@code byte[]} as bytes, a {@link RawRecord} as its value's
     * bytes (none for a tombstone; its {@code toString()} holds sizes only), another array as its
     * elements ({@code [42, x]}, as {@link Arrays#deepToString} prints them: its own {@code
     * toString} is an identity hash), anything else as its {@code toString} text. If the record's
     * {@code toString} throws (a bad record often breaks it too) or returns null, the text is a
     * note naming its class and what went wrong instead, so the dead letter still says what the
     * record was.
     */
    public Builder payloadOf(@Nullable Object record) {
      if (record instanceof byte[]) {
        return payload((byte[]) record);
      }
      if (record instanceof RawRecord) {
        return payload(((RawRecord) record).value());
      }
      return payload(record == null ? null : textOf(record));
    }

    /**
     * The record's text form (an array's elements); if its {@code toString} throws or returns null,
     * a note naming its class and what went wrong instead.
     */
    static String textOf(Object record) {
      try {
        String text = record.getClass().isArray() ? arrayText(record) : record.toString();
        return text != null
            ? text
            : "<no text form: " + record.getClass().getName() + ".toString() returned null>";
      } catch (Exception | StackOverflowError e) {
        // Exception, not RuntimeException: JVM languages without checked exceptions throw them.
        return "<no text form: "
            + record.getClass().getName()
            + ".toString() threw "
            + e.getClass().getName()
            + ">";
      }
    }

    /** An array's elements, nested and primitive arrays included, as Change prints its value. */
    private static String arrayText(Object array) {
      String wrapped = Arrays.deepToString(new Object[] {array});
      return wrapped.substring(1, wrapped.length() - 1);
    }

    public Builder eventTime(@Nullable Long eventTime) {
      this.eventTime = eventTime;
      return this;
    }

    public Builder sourcePosition(@Nullable String sourcePosition) {
      this.sourcePosition = sourcePosition;
      return this;
    }

    public Builder attempt(int attempt) {
      this.attempt = attempt;
      return this;
    }

    public Builder rejectedAt(long epochMillis) {
      this.rejectedAt = epochMillis;
      return this;
    }

    /**
     * Marks the payload as truncated even if this builder did not cut it (for payloads cut
     * upstream). A payload cut by {@code payload(...)} is flagged regardless.
     */
    public Builder payloadTruncated(boolean truncated) {
      this.truncatedFlag = truncated;
      return this;
    }

    public DeadLetter build() {
      return new DeadLetter(this);
    }

    /** Checks a payload limit, here and where an {@link ErrorHandler} is made. */
    static int requireMaxPayloadBytes(int maxBytes) {
      if (maxBytes < 0) {
        throw new IllegalArgumentException("maxPayloadBytes must be >= 0, was " + maxBytes);
      }
      return maxBytes;
    }

    private static String truncateUtf8(String text, int maxBytes) {
      int bytes = 0;
      int i = 0;
      while (i < text.length()) {
        int cp = text.codePointAt(i);
        int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (bytes + len > maxBytes) {
          break;
        }
        bytes += len;
        i += Character.charCount(cp);
      }
      return text.substring(0, i);
    }
  }
}
