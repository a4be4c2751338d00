package dev.etlkit.operators.avro;

import java.io.IOException;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Why an Avro step rejected a record: the error class of every dead letter the {@link Avro} steps
 * emit. The message says what was wrong (wrong magic byte, unknown schema id, incompatible writer
 * schema, truncated or malformed bytes, a value that does not fit the schema) and where (schema id,
 * field path), but never contains payload values: an underlying library's message is kept only when
 * it is known to hold none, otherwise only its exception class is named.
 *
 * <p>It carries no cause, so that no payload reaches a log through a cause's message; the stack
 * trace is that of the underlying error, for debugging.
 */
@PublicEvolving
public final class AvroFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public AvroFormatException(String message) {
    super(message);
  }
}
