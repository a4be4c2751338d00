package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.annotation.JsonMerge;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import org.junit.jupiter.api.Test;

/**
 * PrimitiveArrayNullDeserializer checks only {@code deserialize(p, ctxt)}: Jackson reads a merged
 * array ({@code @JsonMerge}) through {@code deserialize(p, ctxt, intoValue)}, which
 * DelegatingDeserializer hands to Jackson's own deserializer with the real parser, so a null
 * element reads as 0 again.
 */
class ReviewPrimitiveArrayNullMergeTest {

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
