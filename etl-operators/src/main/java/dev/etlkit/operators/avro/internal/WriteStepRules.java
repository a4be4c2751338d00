package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.avro.Avro;
import org.apache.flink.annotation.Internal;

/**
 * The rules of the options of the steps that write records, {@link Avro.EncodeStep} and {@link
 * Avro.ToJsonStep}, each value checked when it is set. Messages name the option, the bad value and
 * what would be valid.
 */
@Internal
public final class WriteStepRules {
  private WriteStepRules() {}

  /**
   * {@code maxBytes}, if positive.
   *
   * @throws IllegalArgumentException otherwise
   */
  public static int maxBytes(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
    }
    return maxBytes;
  }

  /**
   * {@code schemaId}, if not negative.
   *
   * @throws IllegalArgumentException otherwise
   */
  public static int confluentSchemaId(int schemaId) {
    if (schemaId < 0) {
      throw new IllegalArgumentException("confluentSchemaId must be >= 0, was " + schemaId);
    }
    return schemaId;
  }
}
