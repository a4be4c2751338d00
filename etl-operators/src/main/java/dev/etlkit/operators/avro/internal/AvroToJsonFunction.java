package dev.etlkit.operators.avro.internal;

import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Records to JSON text or UTF-8 bytes ({@link AvroToJson}); run by the step as a {@code Steps.map},
 * so a record that does not fit its schema, or is written longer than its size limit, becomes a
 * dead letter holding the record's text.
 *
 * @param <O> {@code String} (text) or {@code byte[]} (bytes)
 */
@Internal
public final class AvroToJsonFunction<T extends IndexedRecord, O> extends RichMapFunction<T, O> {
  private static final long serialVersionUID = 1L;

  private final boolean bytes;
  private final int maxBytes;
  private transient AvroToJson converter;

  /** A function without a size limit. */
  public AvroToJsonFunction(boolean bytes) {
    this(bytes, Integer.MAX_VALUE);
  }

  /**
   * @param bytes whether to emit UTF-8 bytes ({@code O} is {@code byte[]}) rather than text ({@code
   *     O} is {@code String})
   * @param maxBytes the most UTF-8 bytes a written record may have, also for text
   */
  public AvroToJsonFunction(boolean bytes, int maxBytes) {
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }

  @Override
  public void open(OpenContext openContext) {
    converter = new AvroToJson(maxBytes);
  }

  @Override
  @SuppressWarnings("unchecked")
  public O map(T record) throws Exception {
    return (O) (bytes ? converter.convertToBytes(record) : converter.convert(record));
  }
}
