package dev.etlkit.operators;

import dev.etlkit.core.RawRecord;
import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * How a decoder reads its input records: where the payload bytes are, and what is known about the
 * record's source. Three inputs are built in — {@link #bytes()}, {@link #text()} and {@link
 * #rawRecords()} (which carries Kafka keys, tombstones and source coordinates); implement this
 * class for another carrier type.
 *
 * <p>Implementations must be stateless and serializable; they run once per record, so they must not
 * allocate beyond what the carrier forces (text is encoded to UTF-8 once).
 *
 * @param <I> the input record type
 */
@PublicEvolving
public abstract class PayloadInput<I> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The input type, to check the stream a decoder is applied to. */
  public abstract TypeInformation<I> type();

  /** The payload bytes, or null when the record has none (a tombstone). */
  @Nullable
  public abstract byte[] payload(I record);

  /** The record's key bytes, or null when it has none. */
  @Nullable
  public byte[] key(I record) {
    return null;
  }

  /** Where the record came from ({@code topic-partition@offset}), or null when unknown. */
  @Nullable
  public String source(I record) {
    return null;
  }

  /** The source timestamp in epoch milliseconds, or null when unknown. */
  @Nullable
  public Long timestamp(I record) {
    return null;
  }

  /** What a dead letter keeps of a rejected record: its bytes, or its text for text input. */
  @Nullable
  public Object deadLetterPayload(I record) {
    return payload(record);
  }

  /** Input of raw {@code byte[]} payloads. */
  public static PayloadInput<byte[]> bytes() {
    return Bytes.INSTANCE;
  }

  /**
   * Input of {@code String} payloads (for example lines of a file), read as UTF-8. An unpaired
   * surrogate has no UTF-8 form: it is passed on encoded as if it had one (3 bytes, {@code ED A0
   * 80} for U+D800), which the decoders reject as invalid UTF-8, instead of as the {@code '?'} that
   * {@code String.getBytes} would make of it.
   */
  public static PayloadInput<String> text() {
    return Text.INSTANCE;
  }

  /** Input of {@link RawRecord}s: key, value (null for tombstones), source and timestamp. */
  public static PayloadInput<RawRecord> rawRecords() {
    return Raw.INSTANCE;
  }

  private static final class Bytes extends PayloadInput<byte[]> {
    private static final long serialVersionUID = 1L;
    static final Bytes INSTANCE = new Bytes();

    @Override
    public TypeInformation<byte[]> type() {
      return PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
    }

    @Override
    public byte[] payload(byte[] record) {
      return record;
    }

    private Object readResolve() {
      return INSTANCE;
    }
  }

  private static final class Text extends PayloadInput<String> {
    private static final long serialVersionUID = 1L;
    static final Text INSTANCE = new Text();

    @Override
    public TypeInformation<String> type() {
      return Types.STRING;
    }

    @Override
    public byte[] payload(String record) {
      int lone = unpairedSurrogate(record, 0);
      if (lone < 0) {
        return record.getBytes(StandardCharsets.UTF_8);
      }
      // Each unpaired surrogate as its own 3 bytes, so that the decoder sees (and rejects) it.
      ByteArrayOutputStream out = new ByteArrayOutputStream(record.length() + 16);
      int from = 0;
      for (; lone >= 0; lone = unpairedSurrogate(record, from)) {
        out.writeBytes(record.substring(from, lone).getBytes(StandardCharsets.UTF_8));
        char c = record.charAt(lone);
        out.write(0xE0 | (c >> 12));
        out.write(0x80 | ((c >> 6) & 0x3F));
        out.write(0x80 | (c & 0x3F));
        from = lone + 1;
      }
      out.writeBytes(record.substring(from).getBytes(StandardCharsets.UTF_8));
      return out.toByteArray();
    }

    /** The index of the first unpaired surrogate at or after {@code from}, or -1. */
    private static int unpairedSurrogate(String s, int from) {
      for (int i = from; i < s.length(); i++) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)
            && i + 1 < s.length()
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++; // a pair
        } else if (Character.isSurrogate(c)) {
          return i;
        }
      }
      return -1;
    }

    @Override
    public Object deadLetterPayload(String record) {
      return record;
    }

    private Object readResolve() {
      return INSTANCE;
    }
  }

  private static final class Raw extends PayloadInput<RawRecord> {
    private static final long serialVersionUID = 1L;
    static final Raw INSTANCE = new Raw();

    @Override
    public TypeInformation<RawRecord> type() {
      return RawRecord.TYPE_INFO;
    }

    @Override
    @Nullable
    public byte[] payload(RawRecord record) {
      return record.value();
    }

    @Override
    @Nullable
    public byte[] key(RawRecord record) {
      return record.key();
    }

    @Override
    @Nullable
    public String source(RawRecord record) {
      return record.source();
    }

    @Override
    @Nullable
    public Long timestamp(RawRecord record) {
      return record.timestamp();
    }

    private Object readResolve() {
      return INSTANCE;
    }
  }
}
