package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.avro.AvroFormatException;
import java.io.EOFException;
import org.apache.avro.AvroTypeException;
import org.apache.flink.annotation.Internal;

/**
 * Turns any error of Avro, Jackson or a conversion into an {@link AvroFormatException} whose
 * message holds no payload values.
 *
 * <p>Many library messages quote the value they choke on ({@code "Invalid UUID string: ..."},
 * {@code "Not an enum: ..."}, Jackson's {@code "Unrecognized token '...'"}). So a message is kept
 * only for the exception types below, whose messages describe the schema or the code, not data; for
 * every other type only the class name is kept.
 */
@Internal
public final class AvroErrors {
  private AvroErrors() {}

  /** Avro messages that name only the schema's parts and a value's scale or precision. */
  private static final String[] SAFE_AVRO_TYPE_PREFIXES = {
    "Cannot encode decimal with", "Found ", "No match for "
  };

  /**
   * An {@link AvroFormatException} saying {@code what} failed and why, without payload values.
   *
   * @param what what was being done, e.g. {@code "cannot decode the record"}
   * @param error the underlying error; returned unchanged if already an {@link AvroFormatException}
   */
  public static AvroFormatException sanitize(String what, Throwable error) {
    if (error instanceof AvroFormatException) {
      return (AvroFormatException) error;
    }
    AvroFormatException safe = new AvroFormatException(what + ": " + describe(error));
    safe.setStackTrace(error.getStackTrace());
    return safe;
  }

  /** The class name of {@code error}, with its message when that is known to be payload-free. */
  public static String describe(Throwable error) {
    if (error instanceof EOFException) {
      return "the payload ends before the record does (truncated)";
    }
    String message = error.getMessage();
    if (error instanceof ValueException) {
      return message; // etlkit's own checks: never a value
    }
    if (message != null && isSafe(error, message)) {
      return error.getClass().getName() + ": " + withoutMapKeys(message);
    }
    return error.getClass().getName();
  }

  /**
   * {@code message} with the map keys of an Avro path ({@code at M.m["key"].s}) cut: keys are data.
   * Avro writes a key between {@code ["} and {@code "]} without escaping it, so nothing after the
   * first key can be told from the key itself: the path ends there, as {@code [*]}.
   */
  static String withoutMapKeys(String message) {
    int key = message.indexOf("[\"");
    return key < 0 ? message : message.substring(0, key) + "[*]";
  }

  private static boolean isSafe(Throwable error, String message) {
    if (error instanceof ArithmeticException || error instanceof NullPointerException) {
      // Overflow, rounding, and Avro's "null value for (non-nullable) X at path". Not kept:
      // index and length messages (union or enum indexes read from misaligned data are values).
      return true;
    }
    if (error.getClass() == AvroTypeException.class) {
      for (String prefix : SAFE_AVRO_TYPE_PREFIXES) {
        if (message.startsWith(prefix)) {
          return true;
        }
      }
    }
    return false;
  }
}
