package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.internal.LimitedBytes;
import dev.etlkit.operators.internal.SafeJson;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.annotation.Internal;

/**
 * Writes a {@code T} as one JSON object (UTF-8 bytes or text), or says why not. java.time values
 * are written as ISO-8601 strings and {@code BigDecimal}s in plain notation ({@code 1000}, not
 * {@code 1E+3}), so {@link JsonRecordReader} reads them back equal.
 *
 * <p>Builds its Jackson writer once and writes into one reused buffer (a buffer grown past {@link
 * LimitedBytes#MAX_RETAINED_BYTES} for one record is dropped after it); each call returns a new
 * array of exactly the JSON's length. A record written longer than {@code maxBytes} is written
 * once, its bytes past the limit counted, for the message's exact size, but not stored: it costs no
 * more buffer than the limit. Not thread-safe.
 */
@Internal
public final class JsonRecordWriter<T> {
  private final ObjectWriter writer;
  private final String typeName;
  private final int maxBytes;
  // The JSON of one record at a time: stored up to the limit, counted beyond it.
  private final LimitedBytes out = new LimitedBytes();

  /** A writer without a size limit. */
  public JsonRecordWriter(Class<T> type, boolean omitNullFields) {
    this(type, omitNullFields, Integer.MAX_VALUE);
  }

  /**
   * @param maxBytes the most UTF-8 bytes a written record may have; {@code Integer.MAX_VALUE} for
   *     no limit
   */
  public JsonRecordWriter(Class<T> type, boolean omitNullFields, int maxBytes) {
    JsonMapper.Builder builder =
        SafeJson.mapperBuilder(JsonReadLimits.defaults())
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN);
    if (omitNullFields) {
      // Null properties only: a map's null values and a list's null elements are data.
      builder.defaultPropertyInclusion(
          JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS));
    }
    this.writer = builder.build().writerFor(type);
    this.typeName = type.getSimpleName();
    this.maxBytes = maxBytes;
  }

  /**
   * The record as UTF-8 JSON.
   *
   * @throws JsonRecordException when the record cannot be written: a getter throws an exception, a
   *     {@code BigDecimal} cannot be written in plain notation, writing overflows the stack; or
   *     when it is written longer than {@code maxBytes} ({@code TOO_LARGE})
   * @throws Error an {@code Error} but a {@code StackOverflowError} a getter threw, as it was
   *     thrown: no bad record, it fails the task
   */
  public byte[] writeBytes(T value) throws JsonRecordException {
    return writeBytes(value, 0);
  }

  /**
   * The record as UTF-8 JSON, to travel beside a key of {@code keyBytes} bytes that counts against
   * {@code maxBytes} with it.
   *
   * @throws JsonRecordException as {@link #writeBytes(Object)}; {@code TOO_LARGE} when the JSON and
   *     the key together are longer than {@code maxBytes}
   */
  public byte[] writeBytes(T value, int keyBytes) throws JsonRecordException {
    try {
      return write(value, keyBytes);
    } finally {
      out.release(); // whatever became of the record
    }
  }

  private byte[] write(T value, int keyBytes) throws JsonRecordException {
    out.start(maxBytes - keyBytes); // the JSON's share of the limit: the key's bytes count too
    try {
      writer.writeValue(out, value);
    } catch (Exception e) {
      throw describe(e);
    } catch (StackOverflowError e) {
      // Jackson reports recursion in the data (a cycle its depth limit does not catch) and in a
      // getter alike, as "Infinite recursion", wrapping the error it caught one object up: both
      // are a bad record, also where it did not catch it
      throw describe(JsonMappingException.from((JsonGenerator) null, "Infinite recursion", e));
    }
    if (out.size() + keyBytes > maxBytes) {
      throw new JsonRecordException(
          Reason.TOO_LARGE,
          typeName
              + " written as JSON has "
              + out.size()
              + " bytes"
              + (keyBytes > 0 ? " and its key " + keyBytes : "")
              + ", over maxBytes "
              + maxBytes);
    }
    return out.toByteArray();
  }

  /** The size of the reused buffer, for tests. */
  int retainedBytes() {
    return out.capacity();
  }

  /**
   * The record as JSON text: the UTF-8 form decoded, so that text and bytes hold the same document
   * (Jackson's text writer would keep an unpaired surrogate as it is, its byte writer escapes it).
   */
  public String writeText(T value) throws JsonRecordException {
    return new String(writeBytes(value), StandardCharsets.UTF_8);
  }

  /** Names the failing property by its path in the type (never the value) and the error class. */
  private JsonRecordException describe(Exception e) {
    StringBuilder path = new StringBuilder("$");
    Throwable cause = e;
    if (e instanceof JsonMappingException) {
      List<JsonMappingException.Reference> refs = ((JsonMappingException) e).getPath();
      for (JsonMappingException.Reference ref : refs) {
        if (ref.getIndex() >= 0) {
          path.append('[').append(ref.getIndex()).append(']');
        } else if (ref.getFrom() instanceof java.util.Map) {
          path.append(".?"); // a map key is data
        } else if (ref.getFieldName() != null) {
          path.append('.').append(ref.getFieldName());
        }
      }
      if (e.getCause() != null) {
        cause = e.getCause();
      }
    }
    return new JsonRecordException(
        Reason.WRITE_FAILED,
        "cannot write " + typeName + " as JSON (" + cause.getClass().getName() + ") at " + path);
  }
}
