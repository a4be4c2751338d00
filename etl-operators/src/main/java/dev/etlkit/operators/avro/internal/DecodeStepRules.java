package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.flink.annotation.Internal;

/**
 * The rules of {@link Avro.DecodeStep}'s options: each value checked when it is set, the rules
 * between options when the step is applied. Messages name the option, the bad value and what would
 * be valid.
 */
@Internal
public final class DecodeStepRules {
  private DecodeStepRules() {}

  /**
   * {@code writerSchema}, if data written with it can be read with {@code model}'s schema.
   *
   * @throws IllegalArgumentException naming the incompatibilities otherwise
   */
  public static Schema readableWriterSchema(RecordModel<?> model, Schema writerSchema) {
    Objects.requireNonNull(writerSchema, "writerSchema");
    String incompatibility = model.incompatibility(writerSchema);
    if (incompatibility != null) {
      throw new IllegalArgumentException(
          "writerSchema "
              + writerSchema.getFullName()
              + " cannot be read with reader schema "
              + model.schema().getFullName()
              + ": "
              + incompatibility);
    }
    return writerSchema;
  }

  /**
   * {@code items}, if in 1..{@link Avro#MAX_COLLECTION_ITEMS}.
   *
   * @throws IllegalArgumentException otherwise
   */
  public static int maxCollectionItems(int items) {
    if (items < 1 || items > Avro.MAX_COLLECTION_ITEMS) {
      throw new IllegalArgumentException(
          "maxCollectionItems must be in 1.." + Avro.MAX_COLLECTION_ITEMS + ", was " + items);
    }
    return items;
  }

  /**
   * Checks the rules between the options of the decode step {@code step}.
   *
   * @throws IllegalArgumentException if both a writer schema and a provider are set, lookup
   *     failures without a provider, or the input is text
   */
  public static void checkApplied(
      String step,
      PayloadInput<?> input,
      @Nullable Schema writerSchema,
      @Nullable SchemaProvider provider,
      @Nullable SchemaLookupFailures lookupFailures) {
    if (writerSchema != null && provider != null) {
      throw new IllegalArgumentException(
          "step '"
              + step
              + "': withWriterSchema is for plain Avro binary, but withConfluentWireFormat"
              + " takes writer schemas from its SchemaProvider; use one of them");
    }
    if (input == PayloadInput.text()) {
      throw new IllegalArgumentException(
          "step '"
              + step
              + "' reads Avro, which is binary: text input cannot carry it; read the records"
              + " as PayloadInput.bytes() or rawRecords()");
    }
    if (lookupFailures != null && provider == null) {
      throw new IllegalArgumentException(
          "step '"
              + step
              + "': withSchemaLookupFailures is about the SchemaProvider of"
              + " withConfluentWireFormat, which this step does not use");
    }
  }
}
