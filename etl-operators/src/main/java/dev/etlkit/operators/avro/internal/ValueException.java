package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.avro.AvroFormatException;
import java.util.ArrayDeque;
import org.apache.avro.Schema;
import org.apache.flink.annotation.Internal;

/**
 * A value that does not fit its Avro schema, found while converting JSON or objects into records or
 * records into JSON or bytes. Its message describes the problem without the value; the path to the
 * value ({@code $.items[2].price}) is collected while the exception travels up, so that nothing is
 * built on the hot path when conversion succeeds. Map keys are data and appear as {@code [*]}.
 */
@Internal
final class ValueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ArrayDeque<String> path = new ArrayDeque<>();

  ValueException(String message) {
    super(message, null, false, false);
  }

  /** Records that the value sits in field {@code name} of the enclosing record. */
  ValueException inField(String name) {
    path.addFirst("." + name);
    return this;
  }

  /** Records that the value sits at {@code index} of the enclosing array. */
  ValueException atIndex(int index) {
    path.addFirst("[" + index + "]");
    return this;
  }

  /** Records that the value is one of the enclosing map's values. */
  ValueException inMapValue() {
    path.addFirst("[*]");
    return this;
  }

  /**
   * Records that the value is one of the enclosing array's items, where its index is not known
   * (Avro's writer does not tell it).
   */
  ValueException inArrayItem() {
    path.addFirst("[*]");
    return this;
  }

  /**
   * The error of a whole record: {@code what} (like {@code "JSON does not fit Avro schema"}), the
   * schema's name, the path and the message.
   */
  AvroFormatException toFormatException(String what, Schema schema) {
    return new AvroFormatException(
        what + " " + schema.getFullName() + " at " + path() + ": " + getMessage());
  }

  /** The path from the top-level record, like {@code $.items[2].price}. */
  String path() {
    StringBuilder b = new StringBuilder("$");
    for (String segment : path) {
      b.append(segment);
    }
    return b.toString();
  }
}
