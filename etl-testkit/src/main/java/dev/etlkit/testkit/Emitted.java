package dev.etlkit.testkit;

import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * One record an operator emitted in a harness, on its main output or on a side output, in the order
 * the operator emitted it. Values are copies made by a serialize/deserialize round trip with the
 * output's own serializer, so later mutation by the operator cannot change them and an output type
 * without a working serializer fails the test.
 *
 * <p>Two records are equal when their outputs, timestamps and values are: values by {@code equals},
 * arrays by their contents ({@code Objects.deepEquals}, as {@code Change} compares them), so a
 * {@code byte[]} output compares as its bytes.
 *
 * @param sideOutput the id of the side output's {@code OutputTag}, or null for the main output
 * @param value the emitted value (never null)
 * @param timestamp the record's timestamp, or null when the record carried none
 */
@PublicEvolving
public record Emitted(@Nullable String sideOutput, Object value, @Nullable Long timestamp) {

  public Emitted {
    Objects.requireNonNull(value, "value");
  }

  /** A record on the main output. */
  public static Emitted main(Object value, @Nullable Long timestamp) {
    return new Emitted(null, value, timestamp);
  }

  /** A record on the side output with the given tag id. */
  public static Emitted side(String tagId, Object value, @Nullable Long timestamp) {
    return new Emitted(Objects.requireNonNull(tagId, "tagId"), value, timestamp);
  }

  /** True for a record on the main output. */
  public boolean isMain() {
    return sideOutput == null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Emitted that
        && Objects.equals(sideOutput, that.sideOutput)
        && Objects.equals(timestamp, that.timestamp)
        && Objects.deepEquals(value, that.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sideOutput, timestamp) * 31 + Arrays.deepHashCode(new Object[] {value});
  }

  /**
   * For example {@code main: +I[a#1] @10} or {@code side[late]: +I[a#0] @3}; an array value as its
   * contents ({@code [1, 2]}).
   */
  @Override
  public String toString() {
    String text = Arrays.deepToString(new Object[] {value});
    return (sideOutput == null ? "main" : "side[" + sideOutput + "]")
        + ": "
        + text.substring(1, text.length() - 1)
        + (timestamp != null ? " @" + timestamp : "");
  }
}
