package dev.etlkit.operators.json;

import static dev.etlkit.operators.json.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A type whose {@code @JsonCreator} factory answers null (a common way of saying "not valid") makes
 * Jackson read a document as null; the step must not emit a null record, which Flink cannot
 * serialize and the next step does not expect.
 */
class JsonParseNullRecordTest {

  /** A Flink POJO read through a factory that returns null without an id. */
  public static class Ticket {
    public String id;

    @JsonCreator
    @Nullable
    public static Ticket of(@JsonProperty("id") @Nullable String id) {
      if (id == null) {
        return null;
      }
      Ticket t = new Ticket();
      t.id = id;
      return t;
    }
  }

  @Test
  void documentTheTypeReadsAsNull_isOneDeadLetter_notANullRecord() throws Exception {
    try (OneInputStreamOperatorTestHarness<byte[], Ticket> h =
        JsonTestSupport.harness(
            Json.parse("parse", Ticket.class)
                .newFunction(JsonTestSupport.errors(ErrorPolicy.deadLetter())))) {
      h.open();
      h.processElement(utf8("{}"), 1L);
      h.processElement(utf8("{\"id\":\"t-1\"}"), 2L);

      assertThat(h.extractOutputValues()).extracting(t -> t.id).containsExactly("t-1");
      List<DeadLetter> letters = JsonTestSupport.deadLetters(h);
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).errorMessage())
          .isEqualTo(
              "INVALID_VALUE: Ticket was read as null (its creator or deserializer returned null)");
      assertThat(JsonTestSupport.counts(h).deadLettered()).isOne();
      assertThat(JsonTestSupport.counts(h).isBalanced()).isTrue();
    }
  }
}
