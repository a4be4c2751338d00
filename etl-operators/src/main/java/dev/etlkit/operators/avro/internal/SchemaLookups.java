package dev.etlkit.operators.avro.internal;

import dev.etlkit.core.EtlException;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.internal.InfrastructureFailure;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.flink.annotation.Internal;

/**
 * Calls a {@link SchemaProvider} for the decoders of the Confluent wire format, telling a failed
 * lookup (infrastructure: fail the task, or a dead letter when the user chose so) from an unknown
 * id (bad data). Never copies the provider's exception message, only its class.
 */
@Internal
public final class SchemaLookups {
  private SchemaLookups() {}

  /**
   * Opens {@code provider} in the subtask of {@code step}.
   *
   * @throws EtlException naming the step and the exception class when it fails (after restoring the
   *     interrupt flag if interrupted)
   */
  public static void open(SchemaProvider provider, StepIdentity step) {
    try {
      provider.open();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtlException(
          step,
          "interrupted while opening the schema provider",
          new InfrastructureFailure("interrupted while opening the schema provider", e));
    } catch (Exception e) {
      String message = "schema provider failed to open (" + e.getClass().getName() + ")";
      throw new EtlException(step, message, new InfrastructureFailure(message, e));
    }
  }

  /**
   * The writer schema of {@code id}, or null when the provider does not know it.
   *
   * @param prefix put in front of messages ({@code ""}, or {@code "value: "})
   * @throws AvroFormatException when the provider throws and {@code failures} is {@code
   *     DEAD_LETTER}
   * @throws InfrastructureFailure when the provider throws and {@code failures} is {@code
   *     FAIL_TASK}, and whenever it is interrupted (the interrupt flag is restored)
   */
  @Nullable
  public static Schema schemaById(
      SchemaProvider provider, int id, SchemaLookupFailures failures, String prefix)
      throws AvroFormatException {
    try {
      return provider.schemaById(id);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InfrastructureFailure(
          prefix + "interrupted while looking up writer schema id " + id, e);
    } catch (Exception e) {
      String message =
          prefix
              + "schema provider failed to look up writer schema id "
              + id
              + " ("
              + e.getClass().getName()
              + ")";
      if (failures == SchemaLookupFailures.FAIL_TASK) {
        throw new InfrastructureFailure(message, e);
      }
      AvroFormatException failed = new AvroFormatException(message);
      failed.setStackTrace(e.getStackTrace());
      throw failed;
    }
  }
}
