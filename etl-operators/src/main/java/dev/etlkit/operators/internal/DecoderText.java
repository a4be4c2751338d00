package dev.etlkit.operators.internal;

import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.avro.internal.MapSchemaProvider;
import org.apache.flink.annotation.Internal;

/** How the decoders' {@code toString} print their input and schema provider. */
@Internal
public final class DecoderText {
  private DecoderText() {}

  /** A step's input: the built-in ones by name, any other by its class. */
  public static String describe(PayloadInput<?> input) {
    if (input == PayloadInput.bytes()) {
      return "bytes";
    }
    if (input == PayloadInput.text()) {
      return "text";
    }
    return input == PayloadInput.rawRecords() ? "raw-records" : input.getClass().getName();
  }

  /**
   * A schema provider: {@link SchemaProvider#of} with its ids, any other by its class only, as its
   * own text may hold a registry URL with credentials.
   */
  public static String describe(SchemaProvider provider) {
    return provider instanceof MapSchemaProvider
        ? provider.toString()
        : provider.getClass().getName();
  }
}
