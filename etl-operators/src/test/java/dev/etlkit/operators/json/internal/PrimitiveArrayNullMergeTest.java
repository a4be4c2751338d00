package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.annotation.JsonMerge;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import org.junit.jupiter.api.Test;

/**
 * A null element of a merged primitive array ({@code @JsonMerge}) is refused as any other. Found by
 * a second review on 2026-11-24: before its fix, Jackson read it through {@code deserialize(p,
 * ctxt, intoValue)}, which the null check did not override, and it read as 0.
 */
class PrimitiveArrayNullMergeTest {

  /** A POJO whose array has a default that JSON elements are appended to. */
  public static class Merged {
    @JsonMerge public int[] values = {7};
  }

  @Test
  void nullElement_ofAMergedPrimitiveArray_isMissingRequiredField() {
    JsonRecordReader<Merged> reader = ReaderFixtures.of(Merged.class).reader();

    JsonRecordException e =
        catchThrowableOfType(
            JsonRecordException.class, () -> reader.read(utf8("{\"values\":[1,null]}")));

    assertThat(e).as("a null element of an int[] must be rejected, also when merged").isNotNull();
    assertThat(e.reason()).isEqualTo(Reason.MISSING_REQUIRED_FIELD);
    assertThat(e).hasMessage("MISSING_REQUIRED_FIELD: null element in int[] at $.values[1]");
  }
}
