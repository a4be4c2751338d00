package dev.etlkit.core.internal;

import dev.etlkit.core.DeadLetter;
import java.io.IOException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Serializer of {@link DeadLetter}.
 *
 * <p>Every record starts with a format version byte. The snapshot is a {@link
 * SimpleTypeSerializerSnapshot}, which carries no version of its own that this class could use, so
 * the version travels with the data instead: a later serializer reads records of every version it
 * knows, old and new ones mixed in the same state, and the snapshot stays "compatible as is". One
 * byte per dead letter is cheap; dead letters are rare and carry a payload.
 *
 * <p>Format version 1:
 *
 * <ol>
 *   <li>byte: version (1);
 *   <li>byte: flags, see the {@code HAS_*} and {@code PAYLOAD_TRUNCATED} constants;
 *   <li>strings (Flink {@link StringValue} encoding): pipeline, step, uid, error class, then the
 *       error message if flagged;
 *   <li>the payload if flagged: bytes as an int length and the bytes, or text as a string;
 *   <li>long event time if flagged; string source position if flagged;
 *   <li>int attempt; long rejected-at.
 * </ol>
 */
@Internal
public final class DeadLetterSerializer extends TypeSerializerSingleton<DeadLetter> {

  private static final long serialVersionUID = 1L;

  public static final DeadLetterSerializer INSTANCE = new DeadLetterSerializer();

  static final int CURRENT_FORMAT = 1;

  private static final int HAS_ERROR_MESSAGE = 1;
  private static final int HAS_PAYLOAD_BYTES = 1 << 1;
  private static final int HAS_PAYLOAD_TEXT = 1 << 2;
  private static final int PAYLOAD_TRUNCATED = 1 << 3;
  private static final int HAS_EVENT_TIME = 1 << 4;
  private static final int HAS_SOURCE_POSITION = 1 << 5;

  private DeadLetterSerializer() {}

  /** Keeps the singleton single when a job graph is deserialized. */
  private Object readResolve() {
    return INSTANCE;
  }

  /** True: dead letters are immutable (the payload bytes are copied in and out). */
  @Override
  public boolean isImmutableType() {
    return true;
  }

  /** Null: there is no meaningful empty dead letter, and dead letters are never reused. */
  @Override
  @Nullable
  public DeadLetter createInstance() {
    return null;
  }

  @Override
  public DeadLetter copy(DeadLetter from) {
    return from;
  }

  @Override
  public DeadLetter copy(DeadLetter from, DeadLetter reuse) {
    return from;
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(DeadLetter letter, DataOutputView target) throws IOException {
    String errorMessage = letter.errorMessage();
    byte[] payloadBytes = letter.payloadBytes();
    String payloadText = letter.payloadText();
    Long eventTime = letter.eventTime();
    String sourcePosition = letter.sourcePosition();
    int flags =
        (errorMessage != null ? HAS_ERROR_MESSAGE : 0)
            | (payloadBytes != null ? HAS_PAYLOAD_BYTES : 0)
            | (payloadText != null ? HAS_PAYLOAD_TEXT : 0)
            | (letter.payloadTruncated() ? PAYLOAD_TRUNCATED : 0)
            | (eventTime != null ? HAS_EVENT_TIME : 0)
            | (sourcePosition != null ? HAS_SOURCE_POSITION : 0);

    target.writeByte(CURRENT_FORMAT);
    target.writeByte(flags);
    StringValue.writeString(letter.pipeline(), target);
    StringValue.writeString(letter.step(), target);
    StringValue.writeString(letter.uid(), target);
    StringValue.writeString(letter.errorClass(), target);
    if (errorMessage != null) {
      StringValue.writeString(errorMessage, target);
    }
    if (payloadBytes != null) {
      target.writeInt(payloadBytes.length);
      target.write(payloadBytes);
    }
    if (payloadText != null) {
      StringValue.writeString(payloadText, target);
    }
    if (eventTime != null) {
      target.writeLong(eventTime);
    }
    if (sourcePosition != null) {
      StringValue.writeString(sourcePosition, target);
    }
    target.writeInt(letter.attempt());
    target.writeLong(letter.rejectedAt());
  }

  @Override
  public DeadLetter deserialize(DataInputView source) throws IOException {
    int format = source.readUnsignedByte();
    if (format != CURRENT_FORMAT) {
      throw new IOException(
          "Cannot read DeadLetter record of format "
              + format
              + ", this etlkit reads format "
              + CURRENT_FORMAT
              + "; was it written by a newer etlkit?");
    }
    int flags = source.readUnsignedByte();
    DeadLetter.Builder builder =
        DeadLetter.builder()
            .pipeline(StringValue.readString(source))
            .step(StringValue.readString(source))
            .uid(StringValue.readString(source))
            .errorClass(StringValue.readString(source));
    if ((flags & HAS_ERROR_MESSAGE) != 0) {
      builder.errorMessage(StringValue.readString(source));
    }
    // The payload was cut (or not) when the letter was built; restore it whole, with its flag.
    if ((flags & HAS_PAYLOAD_BYTES) != 0) {
      byte[] bytes = new byte[source.readInt()];
      source.readFully(bytes);
      builder.payload(bytes, Integer.MAX_VALUE);
    }
    if ((flags & HAS_PAYLOAD_TEXT) != 0) {
      builder.payload(StringValue.readString(source), Integer.MAX_VALUE);
    }
    builder.payloadTruncated((flags & PAYLOAD_TRUNCATED) != 0);
    if ((flags & HAS_EVENT_TIME) != 0) {
      builder.eventTime(source.readLong());
    }
    if ((flags & HAS_SOURCE_POSITION) != 0) {
      builder.sourcePosition(StringValue.readString(source));
    }
    return builder.attempt(source.readInt()).rejectedAt(source.readLong()).build();
  }

  @Override
  public DeadLetter deserialize(DeadLetter reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  /** Copies through an instance: dead letters are rare, so clarity beats a streaming copy. */
  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  @Override
  public TypeSerializerSnapshot<DeadLetter> snapshotConfiguration() {
    return new DeadLetterSerializerSnapshot();
  }

  /**
   * Snapshot of {@link DeadLetterSerializer}. Its name is written into every checkpoint and
   * savepoint holding dead letters in state: never rename or move it.
   */
  @Internal
  public static final class DeadLetterSerializerSnapshot
      extends SimpleTypeSerializerSnapshot<DeadLetter> {

    public DeadLetterSerializerSnapshot() {
      super(() -> INSTANCE);
    }
  }
}
